"""The engine's tag lookups (tags, tags_by_image, all_tags) parse each listed name once, not each
tag: they must give exactly what parsing every tag with grader.refs gives, on Docker's names
(web-ping:v3) and Podman's (localhost/web-ping:v3, docker.io/library/nginx:latest) alike."""
from __future__ import annotations

from grader import refs
from grader.engine import Engine

LISTING = [
    {"Id": "sha256:aaa", "RepoTags": ["web-ping:latest", "web-ping:v3", "diamol/node:latest"]},
    {"Id": "sha256:bbb", "RepoTags": ["localhost/web-ping:v2", "docker.io/library/web-ping:v1",
                                      "index.docker.io/library/web-ping:v0", "library/web-ping:old"]},
    {"Id": "sha256:ccc", "RepoTags": ["127.0.0.1:5000/gallery/web-ping:v1", "my-web-ping:latest",
                                      "web-ping-old:latest", "localhost:5000/web-ping:x",
                                      "Registry/web-ping:v1", "docker.io/diamol/node:16"]},
    {"Id": "sha256:ddd", "RepoTags": ["<none>:<none>"]},
    {"Id": "sha256:eee", "RepoTags": None},
    {"Id": "sha256:fff", "RepoTags": [f"web-ping:fill-{i:05d}" for i in range(50)]
                         + [f"bench-filler/app-{i:05d}:v1" for i in range(50)]},
]
REPOSITORIES = ["web-ping", "docker.io/library/web-ping", "localhost/web-ping", "diamol/node",
                "127.0.0.1:5000/gallery/web-ping", "localhost:5000/web-ping", "Registry/web-ping",
                "bench-filler/app-00007", "nothing-here", "node"]


class _Api:
    api_version = "1.41"

    def images(self):
        return LISTING


def _tags_parsed_one_by_one() -> list[tuple[str, str, str]]:
    return [(img["Id"], refs.repository_key(t), refs.key(t)) for img in LISTING
            for t in img.get("RepoTags") or () if t and not t.startswith("<none>")]


def test_each_repository_has_the_tags_refs_gives_it():
    engine = Engine(_Api(), "unix:///nowhere.sock", {})
    every = _tags_parsed_one_by_one()
    for repository in REPOSITORIES:
        want = refs.repository_key(repository)
        mine = [(i, k) for i, r, k in every if r == want]
        assert engine.tags(repository) == sorted({k for _, k in mine}), repository
        grouped: dict[str, set] = {}
        for image_id, key in mine:
            grouped.setdefault(image_id, set()).add(key)
        assert engine.tags_by_image(repository) == {
            i: sorted(ks) for i, ks in sorted(grouped.items(), key=lambda kv: min(kv[1]))}, repository


def test_all_tags_are_every_tag_as_people_type_it():
    engine = Engine(_Api(), "unix:///nowhere.sock", {})
    assert engine.all_tags() == sorted({k for _, _, k in _tags_parsed_one_by_one()})
    assert "web-ping:v2" in engine.all_tags() and "nginx:latest" not in engine.all_tags()
