"""What the check kinds chapters 4-6 brought decide before any engine is asked: their parameters'
rules and how a size is read and written. Their verdicts on an engine's answers are graded
with every other kind's, on captured engine data (cases.py, test_kinds.py), and on a real engine in
tests/test_ch0[456]_scenarios.py."""
from __future__ import annotations

import pytest

from grader.checks.base import KINDS
from grader.checks.image_size import human, parse_size

DIGEST = "sha256:" + "d0" * 32


@pytest.mark.parametrize("text, size", [("25MB", 25_000_000), ("1.5GB", 1_500_000_000), ("10kB", 10_000),
                                        ("512 B", 512), (4096, 4096)])
def test_sizes_are_decimal_as_docker_image_ls_shows_them(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("size, shown", [(10_800_000, "10.8MB"), (479_000_000, "479MB"), (999, "999B"),
                                         (1_980_000, "1.98MB"), (2_000_000_000, "2GB")])
def test_sizes_are_written_as_docker_image_ls_writes_them(size, shown):
    assert human(size) == shown


def test_image_size_parameters_are_validated():
    assert KINDS["image_size"].problems({"image": "x"})
    assert KINDS["image_size"].problems({"image": "x", "max_ratio": 0.1})
    assert not KINDS["image_size"].problems({"image": "x", "max_size": "1.5GB"})


def test_image_and_image_file_parameters_are_validated():
    assert KINDS["image"].problems({"image": "a", "tag_matches": "b"})
    assert KINDS["image"].problems({})
    assert KINDS["image_file"].problems({"image": "x", "path": "/a", "absent": True, "content": "y"})


def test_container_mount_and_volume_parameters_are_validated():
    assert KINDS["container_mount"].problems({"type": "bind"})  # no container
    assert KINDS["volume"].problems({"name": "v", "content": "x"})  # no path
    assert not KINDS["volume"].problems({"name": "v", "path": "a.db", "matches": "x"})


def test_registry_parameters_are_validated():
    problems = KINDS["registry"].problems
    assert problems({"image": "r", "tags": ["v1"]})  # no repository
    assert problems({"image": "r", "repository": "a/b"})  # nothing to check
    assert problems({"image": "r", "repository": "a/b", "digest": DIGEST, "digest_of": "x"})
    assert problems({"repository": "a/b", "catalog": True})  # no container
    assert not problems({"image": "r", "repository": "a/b", "digest_of": "x", "present": False})
