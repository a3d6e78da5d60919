"""The check kinds chapters 4-6 brought (image_size, container_mount, volume, registry, and the
new parameters of image, image_base, image_file and container), each fed inspect data captured
from a real engine after the labs' reference solutions (tests/unit/data/chapters/) through a minimal
stand-in for the engine. The same kinds run on a real engine in tests/test_ch0[456]_scenarios.py."""
from __future__ import annotations

import copy
import http.server
import json
import threading
from pathlib import Path

import pytest

from grader.checks.base import KINDS, Fail
from grader.engine import FileRead

DATA = Path(__file__).parent / "data" / "chapters"
IMAGES = json.loads((DATA / "images.json").read_text())
CH06 = json.loads((DATA / "ch06-lab.json").read_text())
REGISTRY = json.loads((DATA / "registry-container.json").read_text())
HISTORIES = json.loads((DATA / "histories.json").read_text())
LAB_IMAGE = CH06["containers"][0]["Image"]


class Captured:
    """Answers what the kinds ask with captured inspect data; files are given per (where, path)."""

    def __init__(self, images=(), containers=(), volumes=None, files=None):
        self.images = list(images)
        self.containers = list(containers)
        self.volumes = volumes or {}
        self.files = files or {}
        for c in self.containers:  # the images the containers came from are on the engine
            if not any(i["Id"] == c["Image"] for i in self.images):
                self.images.append({"Id": c["Image"], "RepoTags": [c["Config"]["Image"]], "RepoDigests": [],
                                    "Config": {}})

    def image(self, ref):
        for i in self.images:
            names = set(i.get("RepoTags") or ()) | {t.rsplit(":", 1)[0] for t in i.get("RepoTags") or ()
                                                    if t.endswith(":latest")}
            if ref == i["Id"] or ref in names:
                return i
        return None

    def tags(self, repository):
        return []

    def all_tags(self):
        return sorted(t for i in self.images for t in i.get("RepoTags") or ())

    def history(self, image_id):
        return HISTORIES.get(image_id, [])

    def container(self, name):
        return next((c for c in self.containers if c["Name"].lstrip("/") == name), None)

    def containers_from(self, *ids):
        return [c for c in self.containers if c["Image"] in ids]

    def inspect_container(self, cid):
        return next((c for c in self.containers if c["Id"] == cid), None)

    def read_file(self, image_id, path, cap=0):
        return self.files.get((image_id, path))

    def volume(self, name):
        return self.volumes.get(name)

    def volume_users(self, name):
        return [c["Id"] for c in self.containers
                if any(m.get("Name") == name for m in c.get("Mounts") or ())]

    def read_volume_file(self, volume, path, image, cap=0):
        self.probe_image = image
        return self.files.get((volume, path))


def run(kind, engine, **params):
    check = KINDS[kind](params)
    assert check.expectation()("en") and check.expectation()("ko")
    try:
        return check.run(engine)
    except Fail as f:
        return f.outcome


def english(evidence) -> list[str]:
    return [line("en") for line in evidence]


def image_id(tag):
    return next(i["Id"] for i in IMAGES if tag in i["RepoTags"])


# ---- image_size -----------------------------------------------------------------------------------

def test_image_size_absolute_and_relative():
    engine = Captured(IMAGES)
    small = run("image_size", engine, image="ch04-lab:optimized", max_size="25MB", max_ratio=0.1, of="ch04-lab")
    assert small.passed and "10.8MB" in small.message("en") and "ratio: 0.023" in english(small.evidence)
    big = run("image_size", engine, image="ch04-lab", max_size="25MB")
    assert not big.passed and "479MB, more than 25MB" in big.message("en")
    same = run("image_size", engine, image="ch04-lab", max_ratio=0.1, of="diamol/golang")
    assert not same.passed and "1.04 of diamol/golang" in same.message("en")
    missing = run("image_size", engine, image="nope", max_size=1000)
    assert not missing.passed and "not found" in missing.message("en")


def test_image_size_parameters_are_validated():
    assert KINDS["image_size"].problems({"image": "x"})
    assert KINDS["image_size"].problems({"image": "x", "max_ratio": 0.1})
    assert not KINDS["image_size"].problems({"image": "x", "max_size": "1.5GB"})


# ---- image_base not_on, image_file absent, image same_as / repo_digest / tag_matches ----------------

def test_image_base_not_on():
    engine = Captured(IMAGES)
    on_base = run("image_base", engine, image="ch04-lab:optimized", base="diamol/base", not_on="diamol/golang")
    assert on_base.passed
    on_sdk = run("image_base", engine, image="ch04-lab", base="diamol/base", not_on=["diamol/golang"])
    assert not on_sdk.passed and "ch04-lab is built on diamol/golang" in on_sdk.message("en")


def test_image_file_absent():
    opt = image_id("ch04-lab:optimized")
    engine = Captured(IMAGES, files={(opt, "/web/server"): FileRead(7_000_000, b"\x7fELF", True),
                                     (image_id("ch04-lab:latest"), "/usr/local/go"): FileRead(0, b"", False, True)})
    assert run("image_file", engine, image="ch04-lab:optimized", path="/usr/local/go", absent=True).passed
    still = run("image_file", engine, image="ch04-lab", path="/usr/local/go", absent=True)
    assert not still.passed and "still in ch04-lab" in still.message("en")
    assert "/usr/local/go: folder" in english(still.evidence)
    there = run("image_file", engine, image="ch04-lab:optimized", path="/web/server", absent=True)
    assert not there.passed
    assert KINDS["image_file"].problems({"image": "x", "path": "/a", "absent": True, "content": "y"})


def test_image_same_as_repo_digest_and_tag_matches():
    engine = Captured(IMAGES)
    pattern = r'^(registry\.local|localhost|127\.0\.0\.1):\d+/gallery/ui'
    tagged = run("image", engine, tag_matches=pattern + ":2\\.1$", same_as="image-gallery")
    assert tagged.passed and "127.0.0.1:5077/gallery/ui:2.1" in tagged.message("en")
    other = run("image", engine, tag_matches=pattern + ":2\\.1$", same_as="ch04-lab")
    assert not other.passed and "not the same image as ch04-lab" in other.message("en")
    assert run("image", engine, image="image-gallery", repo_digest=pattern + "@sha256:").passed
    unpushed = run("image", engine, image="ch04-lab", repo_digest=pattern + "@sha256:")
    assert not unpushed.passed and "not pushed" in unpushed.message("en")
    none = run("image", engine, tag_matches=pattern + ":v9$")
    assert not none.passed and "no tag on the engine matches" in none.message("en")
    assert KINDS["image"].problems({"image": "a", "tag_matches": "b"})
    assert KINDS["image"].problems({})


# ---- container restart, container_mount -----------------------------------------------------------

def test_container_restart_policy():
    engine = Captured(containers=[REGISTRY])
    ref = REGISTRY["Config"]["Image"]
    assert run("container", engine, image=ref, restart="always").passed
    other = run("container", engine, image=ref, restart="unless-stopped")
    assert not other.passed and "restart policy is always, not unless-stopped" in other.message("en")


def test_container_mount_bind_volume_and_read_only():
    engine = Captured(containers=CH06["containers"])
    ref = "diamol/ch06-lab"
    assert run("container_mount", engine, image=ref, state="running", type="bind", destination="/app/config",
               read_only=True).passed
    assert run("container_mount", engine, image=ref, type="volume", source="ch06-lab", read_only=False).passed
    rw = run("container_mount", engine, image=ref, type="bind", destination="/app/config", read_only=False)
    assert not rw.passed and "it is read-only" in rw.message("en")
    kind = run("container_mount", engine, image=ref, type="volume", destination="/app/config")
    assert not kind.passed and "it is a bind mount" in kind.message("en")
    nowhere = run("container_mount", engine, image=ref, type="tmpfs")
    assert not nowhere.passed and "wanted a tmpfs" in nowhere.message("en")
    # A read-write bind mount, as `--mount type=bind,source=...,target=/app/config` gives.
    writable = copy.deepcopy(CH06["containers"])
    for c in writable:
        for m in c["Mounts"]:
            m["RW"] = True
    said = run("container_mount", Captured(containers=writable), image=ref, type="bind",
               destination="/app/config", read_only=True)
    assert not said.passed and "it is read-write" in said.message("en")


# ---- volume --------------------------------------------------------------------------------------

def test_volume_exists_and_its_file_read_through_a_probe_of_a_user_image():
    engine = Captured(containers=CH06["containers"], volumes={"ch06-lab": CH06["volume"]},
                      files={("ch06-lab", "todo-list.db"): FileRead(2, b"[]", False)})
    assert run("volume", engine, name="ch06-lab").passed
    held = run("volume", engine, name="ch06-lab", path="todo-list.db", content="[]")
    assert held.passed and engine.probe_image == LAB_IMAGE  # the image of the container using it
    wrong = run("volume", engine, name="ch06-lab", path="todo-list.db", matches='"item"')
    assert not wrong.passed and "does not match" in wrong.message("en")
    missing = run("volume", engine, name="ch06-lab", path="other.db")
    assert not missing.passed and "other.db does not exist in volume ch06-lab" in missing.message("en")
    assert not run("volume", engine, name="todo-list").passed


def test_volume_without_users_needs_a_probe_image():
    engine = Captured(volumes={"ch06-lab": CH06["volume"]})
    none = run("volume", engine, name="ch06-lab", path="todo-list.db")
    assert not none.passed and "diamol/base is not on the engine" in none.message("en")
    engine = Captured(IMAGES, volumes={"ch06-lab": CH06["volume"]})
    run("volume", engine, name="ch06-lab", path="todo-list.db")
    assert engine.probe_image == image_id("diamol/base:latest")


# ---- registry: the registry container's captured data, and a loopback server giving the answers
# the real registry (Debian's docker-registry) gave after the chapter 5 solution --------------------

DIGEST = "sha256:" + "d0" * 32


@pytest.fixture
def registry_answers():
    answers = {"/v2/": (200, b"{}"), "/v2/_catalog?n=1000": (200, b'{"repositories":["gallery/ui"]}'),
               "/v2/gallery/ui/tags/list": (200, b'{"name":"gallery/ui","tags":null}')}
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(("GET", self.path, self.headers.get("Accept")))
            status, body = answers.get(self.path, (404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self):
            seen.append(("HEAD", self.path, self.headers.get("Accept")))
            status, _ = answers.get(self.path, (404, b""))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    container = copy.deepcopy(REGISTRY)
    container["NetworkSettings"]["Ports"]["5000/tcp"][0]["HostPort"] = str(server.server_address[1])
    gallery = {"Id": "sha256:" + "ab" * 32, "RepoTags": ["image-gallery:latest"],
               "RepoDigests": [f"127.0.0.1:5000/gallery/ui@{DIGEST}"]}
    try:
        yield Captured([gallery], containers=[container]), answers, seen
    finally:
        server.shutdown()
        server.server_close()


def test_registry_api_catalog_tags_and_deleted_manifest(registry_answers):
    engine, answers, seen = registry_answers
    ref = REGISTRY["Config"]["Image"]
    assert run("registry", engine, image=ref).passed
    assert run("registry", engine, image=ref, repository="gallery/ui", catalog=True).passed
    assert run("registry", engine, image=ref, repository="gallery/ui", no_tags=True).passed
    gone = run("registry", engine, image=ref, repository="gallery/ui", digest_of="image-gallery", present=False)
    assert gone.passed
    head = [s for s in seen if s[0] == "HEAD"][-1]
    assert head[1] == f"/v2/gallery/ui/manifests/{DIGEST}" and "manifest.v2+json" in head[2]
    there = run("registry", engine, image=ref, repository="gallery/ui", digest=DIGEST)
    assert not there.passed and "does not hold the manifest" in there.message("en")
    tags = run("registry", engine, image=ref, repository="gallery/ui", tags=["v1"])
    assert not tags.passed and "lacks the tags v1" in tags.message("en")
    # The tags come back after a new push.
    answers["/v2/gallery/ui/tags/list"] = (200, b'{"name":"gallery/ui","tags":["v1","latest"]}')
    answers[f"/v2/gallery/ui/manifests/{DIGEST}"] = (200, b"")
    back = run("registry", engine, image=ref, repository="gallery/ui", no_tags=True)
    assert not back.passed and "still has tags in the registry: v1, latest" in back.message("en")
    assert run("registry", engine, image=ref, repository="gallery/ui", digest_of="image-gallery").passed
    unknown = run("registry", engine, image=ref, repository="other/repo", catalog=True)
    assert not unknown.passed and "does not list other/repo" in unknown.message("en")


def test_registry_parameters_are_validated():
    problems = KINDS["registry"].problems
    assert problems({"image": "r", "tags": ["v1"]})  # no repository
    assert problems({"image": "r", "repository": "a/b"})  # nothing to check
    assert problems({"image": "r", "repository": "a/b", "digest": DIGEST, "digest_of": "x"})
    assert problems({"repository": "a/b", "catalog": True})  # no container
    assert not problems({"image": "r", "repository": "a/b", "digest_of": "x", "present": False})
