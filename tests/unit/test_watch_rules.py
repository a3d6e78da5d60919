"""What a watch re-grades after a change on the engine, decided from the check kinds' own
`reacts_to`, and how the engines' event words are read (no engine needed)."""
from __future__ import annotations

from pathlib import Path

from grader.engine import Engine
from grader.engine.events import parse
from grader.rubric import load
from grader.watch import Change, changed_names, reacts

CH03 = load(Path(__file__).resolve().parents[2] / "rubrics" / "ch03.yaml")
IMAGE_KINDS = {"pull-web-ping", "web-ping-tag", "web-ping-base", "web-ping-env", "web-ping-workdir-cmd",
               "web-ping-layers", "lab-image", "lab-commit", "cache-order"}


def regraded(change: Change) -> set[str]:
    return {c.id for c in CH03.checks if reacts(c.kind, c.params, change)}


def event(kind: str, action: str, **attributes):
    return {"Type": kind, "Action": action, "Actor": {"ID": "0123abcd", "Attributes": attributes}}


def test_a_container_change_regrades_the_container_checks_and_no_probe():
    assert regraded(Change(kinds={"container"})) == {"env-override", "lab-container", "lab-commit"}


def test_an_image_change_regrades_the_probes_of_that_image_only():
    web_ping = regraded(Change(kinds={"image"}, names={"web-ping:latest"}))
    assert web_ping == IMAGE_KINDS | {"env-override", "lab-container", "web-ping-app", "web-ping-env-behavior"}
    lab = regraded(Change(kinds={"image"}, names={"ch03-lab-soln:latest"}))
    assert "lab-file" in lab and "web-ping-env-behavior" not in lab and "web-ping-app" not in lab


def test_while_a_container_settles_only_checks_that_change_without_events_are_regraded():
    assert regraded(Change(settle=True)) == {"env-override", "lab-container"}


def test_names_that_moved_appeared_or_went_are_the_change():
    before = {"web-ping:latest": ("aaa", ()), "web-ping:v3": ("bbb", ()), "diamol/base:latest": ("ccc", ())}
    after = {"web-ping:latest": ("ddd", ()), "diamol/base:latest": ("ccc", ("diamol/base@sha256:1",)),
             "ch03-lab-soln:latest": ("eee", ())}
    assert changed_names(before, after) == {
        "web-ping:latest", "web-ping:v3", "diamol/base:latest", "ch03-lab-soln:latest",
        "sha256:aaa", "sha256:bbb", "sha256:ddd", "sha256:eee"}
    assert changed_names(after, dict(after)) == set()


def test_engine_words_are_read_alike_and_reads_and_probes_are_not_changes():
    assert parse(event("container", "remove", name="web")).action == "destroy"  # Podman's word
    assert parse(event("image", "loadfromarchive", name="/tmp/x.tar")).action == "load"
    assert parse(event("image", "tag", name="web-ping:latest")).name == "web-ping:latest"
    assert parse(event("container", "archive-path", name="ch03lab")) is None  # the grader reading a file
    assert parse(event("container", "exec_start: /bin/sh -c ls", name="web")) is None
    assert parse(event("container", "health_status: healthy", name="web")) is None
    assert parse(event("container", "start", **{"org.grade.probe": "1"})) is None  # the grader's own probe
    assert parse(event("image", "prune")) is None


class _Api:
    api_version = "1.41"


def test_forgetting_a_kind_of_object_keeps_what_cannot_change():
    engine = Engine(_Api(), "unix:///nowhere.sock", {})
    keys = [("image", "web-ping"), ("history", "sha256:1"), ("file", "sha256:1", "/a", 10),
            ("logs", "c1", 200), ("inspect", "c1"), ("from", ("1",)), ("something-new", 1)]
    for key in keys:
        engine._memoised(key, lambda: "old")
    engine.forget({"container"})
    assert set(engine._memo) == {("image", "web-ping"), ("history", "sha256:1"), ("file", "sha256:1", "/a", 10)}
    engine._memoised(("logs", "c1", 200), lambda: "old")  # a running container's logs grow with no event
    engine.forget({"image"})
    assert set(engine._memo) == {("history", "sha256:1"), ("file", "sha256:1", "/a", 10)}
