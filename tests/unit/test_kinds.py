"""Every check kind graded on captured engine answers (see conftest.py and capture.py): the
verdict, and what the student reads in the message."""
from __future__ import annotations

import pytest

from grader.checks import KINDS

from .cases import CASES

MESSAGES = {  # words the student must see, in English and Korean
    "image-other-tag": ("grade-unit/web:v1", "grade-unit/web:v1"),
    "config-env-differs": ("TARGET", "TARGET"),
    "base-itself": ("adds nothing", "더한"),
    "file-missing": ("/app/nothing.txt", "/app/nothing.txt"),
    "container-missing": ("no container named nobody", "nobody"),
    "container-never-started": ("never started", "시작되지 않았습니다"),
    "port-other": ("does not publish", "공개하지 않습니다"),
    "container-file-unchanged": ("still the copy from its image", "이미지"),
    "http-not-found": ("404", "404"),
}


# Kinds graded in test_chapter_kinds.py on data captured after the chapter 4-6 solutions (a
# registry, volumes and mounts that capture.py's busybox scenario does not build yet).
CHAPTER_KINDS = {"image_size", "container_mount", "volume", "registry"}


def test_every_kind_has_a_case():
    assert {kind for _, kind, _, _ in CASES} | CHAPTER_KINDS == set(KINDS)


@pytest.mark.parametrize("case, kind, params, passes", CASES, ids=[c[0] for c in CASES])
def test_verdict(engine, case, kind, params, passes):
    outcome = KINDS[kind](params).evaluate(engine)
    assert outcome.passed is passes, outcome.message("en")
    assert outcome.message("en") and outcome.message("ko")
    if case in MESSAGES:
        en, ko = MESSAGES[case]
        assert en in outcome.message("en") and ko in outcome.message("ko"), outcome.message("ko")


def test_a_container_that_never_ran_is_named_with_its_state(engine):
    outcome = KINDS["container"]({"name": "created-only"}).evaluate(engine)
    assert any("created-only" in line("en") and "state created" in line("en") for line in outcome.evidence)


def test_the_probe_output_is_evidence(engine):
    outcome = KINDS["run"]({"image": "grade-unit/web:v1", "env": {"TARGET": "probe.test"},
                            "expect": r"pinging probe\.test"}).evaluate(engine)
    assert any("pinging probe.test" in line("en") for line in outcome.evidence), outcome.evidence


def test_a_part_of_all_that_fails_decides(engine):
    outcome = KINDS["all"]({"checks": [{"kind": "image", "image": "grade-unit/web:v1"},
                                       {"kind": "container", "name": "nobody"}]}).evaluate(engine)
    assert not outcome.passed and "nobody" in outcome.message("en")
