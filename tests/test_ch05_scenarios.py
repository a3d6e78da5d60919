"""What students type for chapter 5 (a registry of their own), replayed on a real engine, and the
grade they get. The registry is the diamol/registry stand-in (Debian's docker-registry, the CNCF
distribution registry), published on a free loopback port: the rubric finds the port from the
container, so the tests never need the book's 5000."""
from __future__ import annotations

import urllib.request

import pytest
import yaml
from conftest import ENGINE, PODMAN, ROOT, check, rubric

from labs import failing, free_port, lab_network, solution, wait_for

RUBRIC = yaml.safe_load((ROOT / "rubrics" / "ch05.yaml").read_text())
ALL = {c["id"]: c["points"] for s in RUBRIC["sections"] for c in s["checks"]}
SEMVER = ("latest", "2", "2.1", "2.1.106")
REGISTRY_CHECKS = {"registry-running", "registry-restart", "registry-api", "pushed", "tags-deleted",
                   "manifest-deleted"}
# The manifest formats a HEAD accepts: Docker's, and the OCI ones Podman pushes (the registry
# answers 404 to a HEAD that does not accept the format it holds).
ACCEPT = ("application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, "
          "application/vnd.oci.image.index.v1+json")


@pytest.fixture
def net(student):
    with lab_network(student) as name:
        yield name


def build_gallery(student) -> None:
    """Chapter 4's image-gallery, which this chapter pushes (the test engine has no default bridge)."""
    student.docker("image", "build", "--network", "none", "-t", "image-gallery",
                   str(ROOT / "labs" / "ch04" / "exercises" / "image-gallery"))


def start_registry(student, net: str, *flags: str) -> tuple[str, str]:
    """`docker container run -d -p PORT:5000 --restart always diamol/registry`: (its id, 127.0.0.1:PORT)."""
    port = free_port()
    cid = student.docker("container", "run", "-d", "-p", f"127.0.0.1:{port}:5000", "--network", net,
                         *flags, "diamol/registry").strip()
    wait_for(f"http://127.0.0.1:{port}/v2/", "{}")
    return cid, f"127.0.0.1:{port}"


def push(student, repository: str, tag: str | None = None) -> None:
    """`docker image push REPO:TAG`, or every tag with `--all-tags`. Podman asks every registry for
    HTTPS unless told otherwise, and Podman 4 has no --all-tags: there each tag is pushed."""
    if not PODMAN:
        student.docker("image", "push", *([f"{repository}:{tag}"] if tag else ["--all-tags", repository]))
        return
    for each in [tag] if tag else ["v1", *SEMVER]:
        student.docker("image", "push", "--tls-verify=false", f"{repository}:{each}")


def api(method: str, url: str, accept: str = ACCEPT):
    """curl on loopback, never through a proxy: (status, headers, body)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, method=method, headers={"Accept": accept})
    with opener.open(request, timeout=10) as response:
        return response.status, response.headers, response.read().decode()


def delete_latest(registry: str) -> str:
    """The lab's steps 3 and 4: the digest of `latest` from a HEAD, then DELETE by digest."""
    _, headers, _ = api("HEAD", f"http://{registry}/v2/gallery/ui/manifests/latest")
    digest = headers["Docker-Content-Digest"]
    status, _, _ = api("DELETE", f"http://{registry}/v2/gallery/ui/manifests/{digest}")
    assert status == 202
    return digest


def test_reference_solution_scores_full_marks(student, grade, net):
    port = free_port()
    printed = solution(student, "ch05", CH05_NETWORK=net, CH05_REGISTRY_PORT=str(port))
    assert f"curl -X DELETE http://127.0.0.1:{port}/v2/gallery/ui/manifests/sha256:" in printed
    graded = grade("ch05")
    assert graded.points() == ALL, {c["id"]: c["message"] for c in graded.report["checks"]}
    assert graded.code == 0 and "Total: 17/17 (100.0%), bonus +1 of 1" in graded.out
    assert f"HEAD http://127.0.0.1:{port}/v2/gallery/ui/manifests/sha256:" in graded.evidence("manifest-deleted")
    assert "404" in graded.evidence("manifest-deleted")


def test_untouched_engine_scores_nothing(student, grade):
    graded = grade("ch05")
    assert graded.code == 1 and graded.report["score"] == 0
    assert "no container was created from diamol/registry" in graded.check("registry-running")["message"]
    assert graded.status("pushed") == graded.status("tags-deleted") == "skipped"
    graded.assert_hint_shown("registry-running")


def test_students_of_the_lab_one_after_another(student, grade, net, tmp_path):
    build_gallery(student)
    cid, registry = start_registry(student, net)  # no --restart: the bonus is lost
    for tag in ("v1", *SEMVER):
        student.docker("image", "tag", "image-gallery", f"{registry}/gallery/ui:{tag}")

    # Tagged, never pushed: the same verdict on every engine, though all but Docker's classic image
    # store list a digest of the registry's repository for a tag alone.
    graded = grade("ch05")
    assert failing(graded) == {"registry-restart": "failed", "pushed": "failed",
                               "tags-deleted": "skipped", "manifest-deleted": "skipped"}
    assert "does not list gallery/ui" in graded.check("pushed")["message"]
    own = rubric(tmp_path, check("gone", "registry", image="diamol/registry", repository="gallery/ui",
                                 digest_of="image-gallery", present=False), name="never-pushed.yaml")
    graded = grade("--rubric", str(own))
    assert graded.status("gone") == "failed"  # nothing pushed, so nothing deleted
    assert "does not list gallery/ui" in graded.check("gone")["message"]

    # Pushed v1 only, and never deleted.
    push(student, f"{registry}/gallery/ui", "v1")
    graded = grade("ch05")
    assert set(failing(graded)) == {"registry-restart", "tags-deleted", "manifest-deleted"}
    assert "still has tags in the registry: v1" in graded.check("tags-deleted")["message"]
    assert "was not deleted" in graded.check("manifest-deleted")["message"]

    # The registry kind on its own: tags present, and the pushed manifest there.
    own = rubric(tmp_path, "\n".join([
        check("tags", "registry", image="diamol/registry", repository="gallery/ui", tags=["v1"]),
        check("held", "registry", image="diamol/registry", repository="gallery/ui", digest_of="image-gallery"),
        check("more-tags", "registry", image="diamol/registry", repository="gallery/ui", tags=["v1", "2.1"]),
    ]))
    graded = grade("--rubric", str(own))
    assert graded.status("tags") == graded.status("held") == "passed"
    assert "lacks the tags 2.1" in graded.check("more-tags")["message"]

    # Every tag pushed, the manifest deleted: the lab is done.
    push(student, f"{registry}/gallery/ui")
    delete_latest(registry)
    graded = grade("ch05")
    assert set(failing(graded)) == {"registry-restart"} and graded.code == 0

    # Pushed again after the delete: the tags are back.
    push(student, f"{registry}/gallery/ui")
    graded = grade("ch05")
    assert set(failing(graded)) == {"registry-restart", "tags-deleted", "manifest-deleted"}

    # The registry removed after the lab: its anonymous volume went with it, and with it every
    # proof of the push (on Docker's classic image store only, the local image would still show one).
    student.docker("container", "rm", "-f", "-v", cid)
    graded = grade("ch05")
    assert REGISTRY_CHECKS <= set(failing(graded))
    assert graded.status("tag-v1") == graded.status("tags-semver") == "passed"


def test_tags_name_another_image(student, grade, net):
    """A tag of the registry's repository that is not image-gallery earns nothing."""
    build_gallery(student)
    _, registry = start_registry(student, net, "--restart", "always")
    student.docker("image", "tag", "diamol/base", f"{registry}/gallery/ui:v1")
    for tag in SEMVER:
        student.docker("image", "tag", "image-gallery", f"localhost:{registry.split(':')[1]}/gallery/ui:{tag}")
    graded = grade("ch05")
    assert graded.status("registry-restart") == "passed"
    assert graded.status("tag-v1") == "failed"
    assert "is not the same image as image-gallery" in graded.check("tag-v1")["message"]
    assert graded.status("tags-semver") == "passed"  # localhost:PORT names the same registry


def test_a_typo_in_the_tag_is_shown_beside_the_rubric_pattern(student, grade):
    """`galery` for `gallery`: the student reads their own tag next to the rubric's regex."""
    build_gallery(student)
    student.docker("image", "tag", "image-gallery", "127.0.0.1:5000/galery/ui:v1")
    graded = grade("ch05")
    assert graded.status("tag-v1") == "failed"
    assert graded.evidence("tag-v1") == "tags that come close: 127.0.0.1:5000/galery/ui:v1"


def test_another_image_pushed_under_the_name_earns_no_push(student, grade, net):
    """Pushing another image as gallery/ui, deleting its manifest, then moving the tags to
    image-gallery: the registry never held image-gallery. On Docker's containerd image store, whose
    image ids name manifests, nothing of it is left to ask once a manifest is deleted, so there
    only the catalog speaks (the evidence says so)."""
    build_gallery(student)
    _, registry = start_registry(student, net, "--restart", "always")
    # Any image but image-gallery (one of the test's own: a push records a digest on the image).
    student.build("not-the-gallery", 'FROM diamol/base\nCMD ["echo", "not the gallery"]\n')
    for tag in ("v1", *SEMVER):
        student.docker("image", "tag", "not-the-gallery", f"{registry}/gallery/ui:{tag}")
    push(student, f"{registry}/gallery/ui")
    delete_latest(registry)
    for tag in ("v1", *SEMVER):
        student.docker("image", "tag", "image-gallery", f"{registry}/gallery/ui:{tag}")
    graded = grade("ch05")
    assert graded.status("tag-v1") == graded.status("tags-semver") == "passed"
    if ENGINE == "docker26-containerd":
        assert graded.status("pushed") == "passed"
        assert "only the catalog shows the push" in graded.evidence("pushed")
        return
    assert failing(graded) == {"pushed": "failed", "tags-deleted": "skipped", "manifest-deleted": "skipped"}
    assert graded.check("pushed")["message"].startswith(
        "gallery/ui in the registry does not hold image-gallery: its config sha256:"), graded.check("pushed")
    assert "/v2/gallery/ui/blobs/sha256:" in graded.evidence("pushed") and ": 404" in graded.evidence("pushed")
    graded.assert_hint_shown("pushed")

    # Then image-gallery itself pushed: the push counts, and its manifest is the one to delete.
    push(student, f"{registry}/gallery/ui")
    graded = grade("ch05")
    assert graded.status("pushed") == "passed"
    assert set(failing(graded)) == {"tags-deleted", "manifest-deleted"}


def test_the_restart_bonus_by_the_hints_way_for_this_engine(student, grade, net):
    """The registry run without --restart, v1 pushed: the hint's way to earn the bonus must work on
    the student's engine. Docker changes the policy in place; Podman 4's `container update` has no
    --restart, so there the student removes the registry, runs it again and pushes again."""
    build_gallery(student)
    cid, registry = start_registry(student, net)
    student.docker("image", "tag", "image-gallery", f"{registry}/gallery/ui:v1")
    push(student, f"{registry}/gallery/ui", "v1")
    graded = grade("ch05", "--lang", "ko")
    assert graded.status("registry-restart") == "failed" and graded.status("pushed") == "passed"
    graded.assert_hint_shown("registry-restart")
    hint = graded.check("registry-restart")["hint"]
    update = "docker container update --restart always <id>"
    assert update in hint
    if not PODMAN:
        student.docker("container", "update", "--restart", "always", cid)
        graded = grade("ch05")
        assert graded.status("registry-restart") == graded.status("pushed") == "passed"
        return
    typed = student.docker("container", "update", "--restart", "always", cid, check=False)
    assert typed == "" and student.docker("container", "inspect", "--format",
                                          "{{.HostConfig.RestartPolicy.Name}}", cid).strip() in ("", "no")
    assert "포드맨 4는 바꿀 수 없으므로" in hint and "`docker container rm -f <id>`" in hint
    student.docker("container", "rm", "-f", "-v", cid)
    _, registry = start_registry(student, net, "--restart", "always")
    student.docker("image", "tag", "image-gallery", f"{registry}/gallery/ui:v1")
    graded = grade("ch05")
    assert graded.status("registry-restart") == "passed" and graded.status("pushed") == "failed"
    push(student, f"{registry}/gallery/ui", "v1")  # the hint's last step
    graded = grade("ch05")
    assert graded.status("registry-restart") == graded.status("pushed") == "passed"


def test_with_a_second_empty_registry_the_one_pushed_to_is_the_one_described(student, grade, net):
    """A second registry started later on another port (say after `port is already allocated`),
    left running empty: the lab's failures are told from the registry that holds gallery/ui
    ("still has tags"), not "nothing was pushed" from the empty one."""
    build_gallery(student)
    _, registry = start_registry(student, net, "--restart", "always")
    for tag in ("v1", *SEMVER):
        student.docker("image", "tag", "image-gallery", f"{registry}/gallery/ui:{tag}")
    push(student, f"{registry}/gallery/ui")
    _, empty = start_registry(student, net)
    graded = grade("ch05")
    assert set(failing(graded)) == {"tags-deleted", "manifest-deleted"}
    for check_id in ("tags-deleted", "manifest-deleted"):
        assert f"port {registry.split(':')[1]}" in graded.evidence(check_id), graded.check(check_id)
        assert "nothing was pushed" not in graded.check(check_id)["message"]
    assert graded.check("tags-deleted")["message"].startswith("gallery/ui still has tags in the registry: ")

    delete_latest(registry)
    graded = grade("ch05")
    assert failing(graded) == {}, failing(graded)
    assert f"port {empty.split(':')[1]}" not in graded.evidence("tags-deleted")
