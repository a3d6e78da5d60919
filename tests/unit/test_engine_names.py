"""How the engine reads image names when an image has thousands of them: the tag lookups (tags,
tags_by_image, all_tags) parse each listed name once, not each tag, and an image is inspected
once whatever it is called. They must give exactly what parsing every name with grader.refs
gives, on Docker's names (web-ping:v3) and Podman's (localhost/web-ping:v3) alike."""
from __future__ import annotations

import itertools

from grader import refs
from grader.engine import Engine

LISTING = [
    {"Id": "sha256:" + "a" * 64, "Created": 1700000300,
     "RepoTags": ["web-ping:latest", "web-ping:v3", "diamol/node:latest"]},
    {"Id": "sha256:" + "b" * 64, "Created": 1700000100,
     "RepoTags": ["localhost/web-ping:v2", "docker.io/library/web-ping:v1", "index.docker.io/library/web-ping:v0",
                  "library/web-ping:old"]},
    {"Id": "sha256:" + "c" * 64, "Created": 1700000200,
     "RepoTags": ["127.0.0.1:5000/gallery/web-ping:v1", "my-web-ping:latest", "web-ping-old:latest",
                  "localhost:5000/web-ping:x", "Registry/web-ping:v1", "docker.io/diamol/node:16"]},
    {"Id": "sha256:" + "d" * 64, "RepoTags": ["<none>:<none>"]},
    {"Id": "sha256:" + "e" * 64, "RepoTags": None},
    {"Id": "sha256:" + "f" * 64, "Created": 1600000000,
     "RepoTags": [f"web-ping:fill-{i:05d}" for i in range(50)] + [f"bench-filler/app-{i:05d}:v1" for i in range(50)]},
]
REPOSITORIES = ["web-ping", "docker.io/library/web-ping", "localhost/web-ping", "diamol/node",
                "127.0.0.1:5000/gallery/web-ping", "localhost:5000/web-ping", "Registry/web-ping",
                "bench-filler/app-00007", "nothing-here", "node"]


class _Api:
    api_version = "1.41"

    def __init__(self, images=None):
        self.by_name = images or {}  # inspect answers by the name the engine resolves
        self.inspected: list[str] = []

    def images(self):
        return LISTING

    def inspect_image(self, ref):
        self.inspected.append(ref)
        return self.by_name.get(ref)


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
        created = {img["Id"]: img.get("Created", 0) for img in LISTING}
        got = engine.tags_by_image(repository)
        assert got == {i: sorted(ks) for i, ks in grouped.items()}, repository
        # Newest image first, then by tag: the student's latest build is judged first.
        assert list(got) == sorted(grouped, key=lambda i: (-created[i], min(grouped[i]))), repository


def test_a_repository_s_newest_image_comes_first():
    engine = Engine(_Api(), "unix:///nowhere.sock", {})
    # By name web-ping:fill-00000 (image f, the oldest) would come first.
    assert [i[-1] for i in engine.tags_by_image("web-ping")] == ["a", "b", "f"]


def test_all_tags_are_every_tag_as_people_type_it():
    engine = Engine(_Api(), "unix:///nowhere.sock", {})
    assert engine.all_tags() == sorted({k for _, _, k in _tags_parsed_one_by_one()})
    assert "web-ping:v2" in engine.all_tags() and "nginx:latest" not in engine.all_tags()


DIGEST = "sha256:" + "d" * 64
NAMES = ["web-ping:latest", "localhost/web-ping:latest", "docker.io/library/web-ping:v1", "library/web-ping:v2",
         "index.docker.io/library/web-ping:v3", "127.0.0.1:5000/gallery/ui:v1", "Registry/web-ping:v1",
         "docker.io/diamol/node:16", f"diamol/node@{DIGEST}", f"localhost/web-ping@{DIGEST}", "<none>:<none>"]
REFS = ["web-ping", "docker.io/library/web-ping", "localhost/web-ping", "web-ping:v1", "web-ping:v2", "web-ping:v3",
        "127.0.0.1:5000/gallery/ui:v1", "gallery/ui:v1", "Registry/web-ping:v1", "registry/web-ping:v1",
        "diamol/node:16", "node:16", f"diamol/node@{DIGEST}", f"web-ping@{DIGEST}", "ping:latest"]


def _named_by_parsing_each(ref: str, attrs: dict) -> bool:
    names = [*(attrs.get("RepoTags") or ()), *(attrs.get("RepoDigests") or ())]
    return refs.key(ref) in {refs.key(n) for n in names if not n.startswith("<none>")}


def test_an_image_is_kept_only_under_the_names_it_has():
    for count in range(3):
        for names in itertools.combinations(NAMES, count):
            attrs = {"Id": "sha256:" + "b" * 64, "RepoTags": [n for n in names if "@" not in n],
                     "RepoDigests": [n for n in names if "@" in n]}
            for ref in REFS:
                # The engine resolves any name (Docker's short names, say); the grader keeps
                # the answer only if the image has that name.
                engine = Engine(_Api({ref: attrs}), "unix:///nowhere.sock", {})
                assert (engine.image(ref) is not None) == _named_by_parsing_each(ref, attrs), (ref, names)


def test_an_image_known_under_one_name_is_not_inspected_again_under_another():
    node_id = "sha256:" + "a" * 64
    node = {"Id": node_id, "RepoTags": ["web-ping:latest", "web-ping:v3", "diamol/node:latest"]}
    api = _Api({"diamol/node": node, "web-ping:v2": LISTING[1]})
    engine = Engine(api, "unix:///nowhere.sock", {})
    assert engine.image(node_id) is None  # not inspected yet: the engine is asked (and says no)
    assert engine.image("diamol/node") is node
    assert engine.image("a" * 64) is node  # its id, known now
    assert engine.image("web-ping:v3") is None  # a tag, before the listing: the engine is asked
    engine.tags_by_image("web-ping")  # the listing: web-ping:latest is image aaa
    assert engine.image("web-ping:latest") is node
    assert engine.image("web-ping:v2") is LISTING[1]  # another image: the engine is asked
    assert api.inspected == [node_id, "diamol/node", "web-ping:v3", "web-ping:v2"]
