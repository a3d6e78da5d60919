"""The engine's lookups on a real engine, where the grader asks less than everything.

Containers: a check's `image` finds every container created from that image, however the
student named it (tag, short name, id), and no container of an image the tag named before it was
moved; those that ran come first, newest first, then those only created. The engine is asked with
server-side filters (ancestor, and status or exit code, whichever the engine answers more
cheaply); this is what they must find, with or without a container running.

Histories: an image's history read as the tail of a descendant's (its parent chain: a legacy
build, a commit) is exactly what the engine gives for that image itself.
"""
from __future__ import annotations

import re
import time

from conftest import ENGINE, PODMAN, check, rubric, run_grade

from grader.engine import connect

IMAGE = "grade-lookup-test"
# The check fails on every container (none has this variable), so its evidence names them all.
NOBODY = {"GRADE_LOOKUP_TEST": "never set"}


def _found(graded, check_id: str) -> list[str]:
    """The containers a failed container check judged, in the order it judged them."""
    evidence = graded.check(check_id)["evidence"]
    return [m.group(1) for line in evidence if (m := re.match(r"([\w.-]+): image ", line))]


def _create(student, name: str, image: str) -> None:
    student.docker("container", "create", "--name", name, image)
    time.sleep(1.1)  # the engine orders containers by creation time: keep them apart


def test_containers_are_found_by_the_image_they_were_created_from(student, tmp_path):
    build = student.write("old", {"Dockerfile": 'FROM diamol/base\nCMD ["echo", "old"]\n'})
    student.docker("image", "build", "--tag", f"{IMAGE}:v1", ".", cwd=build)
    old_id = student.docker("image", "inspect", "--format", "{{.Id}}", f"{IMAGE}:v1").strip()
    _create(student, "lk-old-image", f"{IMAGE}:v1")
    # The tag moves to a new build: the container above keeps the image it was created from.
    build = student.write("new", {"Dockerfile": 'FROM diamol/base\nCMD ["echo", "new"]\n'})
    student.docker("image", "build", "--tag", f"{IMAGE}:v1", "--tag", IMAGE, ".", cwd=build)
    new_id = student.docker("image", "inspect", "--format", "{{.Id}}", f"{IMAGE}:v1").strip()
    assert new_id != old_id
    _create(student, "lk-by-tag", f"{IMAGE}:v1")
    student.docker("container", "run", "--name", "lk-ran-first", IMAGE)
    time.sleep(1.1)
    _create(student, "lk-by-short-name", IMAGE)
    _create(student, "lk-by-id", new_id.split(":")[-1][:12])
    student.docker("container", "run", "--detach", "--name", "lk-running", IMAGE, "sleep", "600")
    time.sleep(1.1)
    student.docker("container", "run", "--name", "lk-ran-last", f"{IMAGE}:v1")
    student.docker("container", "run", "diamol/base", "true")  # another image's: never a candidate

    path = rubric(tmp_path, "\n".join([
        check("by-tag", "container", image=f"{IMAGE}:v1", env=NOBODY),
        check("by-id", "container", image=new_id, env=NOBODY),
        check("old-image", "container", image=old_id, env=NOBODY),
    ]))
    ran = ["lk-ran-last", "lk-running", "lk-ran-first"]  # newest first
    created = ["lk-by-id", "lk-by-short-name", "lk-by-tag"]
    # With a container running, and then with none (the engine is asked differently then).
    for running in (True, False):
        if not running:
            student.docker("container", "stop", "--time", "0", "lk-running")
        graded = run_grade("--rubric", str(path), host=student.host, tmp=tmp_path)
        for check_id in ("by-tag", "by-id"):
            found = _found(graded, check_id)
            assert found == ran + created, (running, check_id, found)
            assert graded.check(check_id)["message"].startswith("none of 6 containers"), graded.check(check_id)
        if ENGINE == "docker26-containerd":
            # The containerd image store forgets an image when its last tag moves away (its
            # container keeps the content): nothing is created from an image it does not have.
            assert graded.check("old-image")["message"].startswith("no container was created from")
        else:
            assert _found(graded, "old-image") == ["lk-old-image"], graded.check("old-image")


def test_a_history_read_within_a_descendants_is_the_images_own(student):
    student.buildkit = False  # the legacy builder: an image per step, each the next one's parent
    parent = student.write("parent", {"Dockerfile": "FROM diamol/base\nENV STEP=1\nRUN echo one > /one\n"})
    student.docker("image", "build", "--tag", f"{IMAGE}-parent", ".", cwd=parent)
    child = student.write("child", {"Dockerfile": f"FROM {IMAGE}-parent\nRUN echo two > /two\nCMD [\"true\"]\n"})
    student.docker("image", "build", "--tag", f"{IMAGE}-child", ".", cwd=child)
    student.docker("container", "run", "--name", "lk-commit", f"{IMAGE}-child", "sh", "-c", "echo 3 > /three")
    student.docker("container", "commit", "lk-commit", f"{IMAGE}-committed")
    names = [f"{IMAGE}-committed", f"{IMAGE}-child", f"{IMAGE}-parent", "diamol/base"]

    def histories(order):
        engine = connect(student.host)
        read, history = [], engine.api.history
        engine.api.history = lambda image: read.append(image) or history(image)
        try:
            ids = {name: engine.image(name)["Id"] for name in names}
            return {name: engine.history(ids[name]) for name in order}, len(read)
        finally:
            engine.cleanup()

    one_by_one, asked = histories(list(reversed(names)))  # the oldest first: nothing to read within
    within, asked_within = histories(names)  # the newest first: the others are within its history
    assert within == one_by_one
    assert len(within[f"{IMAGE}-committed"]) > len(within[f"{IMAGE}-child"]) > len(within[f"{IMAGE}-parent"])
    # Docker names the parent chain's images in a history; Podman does not, and is asked each time.
    assert (asked, asked_within) == ((4, 4) if PODMAN else (4, 1))


def test_a_failing_check_counts_never_started_containers_without_inspecting_them_all(student, tmp_path):
    build = student.write("app", {"Dockerfile": 'FROM diamol/base\nCMD ["echo", "app"]\n'})
    student.docker("image", "build", "--tag", IMAGE, ".", cwd=build)
    student.docker("container", "run", "--name", "lk-ran", IMAGE)  # ran, with the wrong env
    created = 14
    for i in range(created):
        student.docker("container", "create", "--name", f"lk-created-{i}", IMAGE)
    path = rubric(tmp_path, check("ran", "container", image=IMAGE, env=NOBODY))

    graded = run_grade("--rubric", str(path), host=student.host, tmp=tmp_path)
    result = graded.check("ran")
    assert result["status"] == "failed"
    # Every candidate is counted, the one that ran is judged first and named in the message...
    assert result["message"].startswith(f"none of {created + 1} containers is as expected; e.g. lk-ran has "), result
    # ...ten never-started ones are judged one by one, and the rest are counted in the last line.
    found = _found(graded, "ran")
    assert found[0] == "lk-ran" and len(found) == 9 and all(n.startswith("lk-created-") for n in found[1:]), found
    assert result["evidence"][-1] == f"... {created + 1 - 9} more", result["evidence"]

    engine = connect(student.host)
    inspected: list[str] = []
    inspect = engine.api.inspect_container
    engine.api.inspect_container = lambda cid: inspected.append(cid) or inspect(cid)
    try:
        from grader.checks import KINDS

        outcome = KINDS["container"]({"image": IMAGE, "env": NOBODY}).evaluate(engine)
    finally:
        engine.cleanup()
    assert not outcome.passed
    assert len(inspected) == 1 + 10, inspected  # the one that ran and ten never started, not 15
