"""One reference, every engine's name for it: Docker's docker.io/library/ and Podman's localhost/
(inspect data as the engines returned it), without an engine."""
from __future__ import annotations

import pytest

from grader import refs
from grader.engine import Engine, _portable_container

# As Podman 4.3 returned it for an image built as web-ping, and as Docker 26.1 for the same.
PODMAN = {"Id": "sha256:a4b6ab75c5d6952dfced009cabe7a47f6e782c15e1f586f623293847148b42ff",
          "RepoTags": ["localhost/web-ping:latest"],
          "RepoDigests": ["localhost/web-ping@sha256:a63e67491364fe57061238f8aa517b34e17a042f67d46f437dde981ea99e22b2"]}
DOCKER = {"Id": "sha256:644a3196b2e8c656159355eed1d5a7922d7ca7e9df6b49e4c874443bdc88b972",
          "RepoTags": ["web-ping:latest"], "RepoDigests": []}


@pytest.mark.parametrize("ref", ["web-ping", "web-ping:latest", "docker.io/library/web-ping:latest",
                                 "localhost/web-ping:latest", "index.docker.io/library/web-ping"])
@pytest.mark.parametrize("attrs", [PODMAN, DOCKER], ids=["podman", "docker"])
def test_every_spelling_of_a_name_is_the_same_image_on_either_engine(ref, attrs):
    assert Engine._names_image(ref, attrs)


@pytest.mark.parametrize("ref", ["web-ping:v3", "web-pin", "localhost:5000/web-ping", "library/web"])
@pytest.mark.parametrize("attrs", [PODMAN, DOCKER], ids=["podman", "docker"])
def test_another_tag_registry_or_a_prefix_is_not_the_image(ref, attrs):
    assert not Engine._names_image(ref, attrs)


def test_ids_count_with_or_without_sha256_but_a_tag_that_prefixes_an_id_does_not():
    assert Engine._names_image("a4b6ab75c5d6", PODMAN)
    assert Engine._names_image("sha256:a4b6ab75c5d6952d", PODMAN)
    assert not Engine._names_image("a4b6", PODMAN)  # too short to be an id someone typed
    assert not Engine._names_image("sha256:ffff", PODMAN)


def test_short_names_people_type():
    assert refs.key("localhost/diamol/ch03-web-ping:latest") == "diamol/ch03-web-ping:latest"
    assert refs.key("docker.io/library/web-ping:v3") == "web-ping:v3"
    assert refs.repository_key("localhost/web-ping:v3") == refs.repository_key("web-ping") == "web-ping"
    assert refs.key("localhost:5000/course/base:1.0") == "localhost:5000/course/base:1.0"
    assert refs.bare_id("sha256:abc") == refs.bare_id("abc") == "abc"


def test_a_podman_container_names_its_image_as_it_was_typed():
    attrs = {"Id": "c", "Config": {"Image": "localhost/diamol/base:latest", "Env": []}}
    assert _portable_container(attrs)["Config"]["Image"] == "diamol/base:latest"
    assert attrs["Config"]["Image"] == "localhost/diamol/base:latest"  # the engine's data is not changed
    docker = {"Id": "c", "Config": {"Image": "diamol/base"}}
    assert _portable_container(docker) == docker
