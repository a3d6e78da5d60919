"""Every check kind graded on captured engine answers (see conftest.py and capture.py): the
verdict, and what the student reads in the message."""
from __future__ import annotations

import pytest

from grader.checks import KINDS

from .cases import BASE, CASES, IMAGE, IN_REGISTRY, PUSHED_REPO, VOLUME, verdict

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
    "image-not-same": ("is not the same image as grade-unit/web:v1", "같은 이미지가 아닙니다"),
    "image-repo-digest-none": ("it was not pushed to that registry", "푸시하지 않았습니다"),
    "base-is-on": ("is built on grade-unit/web:v1", "grade-unit/web:v1 이미지 위에"),
    "file-absent-is-there": ("/app is still in grade-unit/web:v1", "아직 /app"),
    "container-restart-other": ("restart policy is always, not unless-stopped", "always"),
    "size-over": ("more than 100kB", "100kB보다 큽니다"),
    "size-ratio-over": ("of grade-unit/base (", "0.5배 이하"),
    "mount-read-write-wanted": ("it is read-only", "읽기 전용"),
    "mount-other-type": ("it is a bind mount", "bind 마운트"),
    "mount-nowhere": ("none of 6 containers has such a mount", "6개 중"),
    "volume-missing": ("no volume named grade-unit-none", "grade-unit-none인 볼륨이 없습니다"),
    "volume-file-missing": ("other.txt does not exist in volume grade-unit-data", "other.txt 파일이 없습니다"),
    "volume-file-differs": ("does not match /^nothing/", "/^nothing/ 패턴에 맞지 않습니다"),
    "volume-no-probe-image": ("no container mounts grade-unit-spare and grade-unit/none is not on the engine",
                              "grade-unit/none 이미지도 없습니다"),
    "registry-catalog-missing": ("catalog does not list grade-unit/nothing", "카탈로그에 grade-unit/nothing"),
    "registry-tags-missing": ("lacks the tags v2", "v2 태그가 없습니다"),
    "registry-still-tagged": ("still has tags in the registry: v1", "아직 태그가 있습니다: v1"),
    "registry-manifest-kept": ("is still in the registry: it was not deleted", "삭제되지 않았습니다"),
    "registry-never-pushed": ("was never pushed to grade-unit/kept", "푸시한 적이 없습니다"),
}


def test_every_kind_has_a_case():
    assert {kind for _, kind, _, _ in CASES} == set(KINDS)


@pytest.mark.parametrize("case, kind, params, passes", CASES, ids=[c[0] for c in CASES])
def test_verdict(engine, case, kind, params, passes):
    outcome = KINDS[kind](params).evaluate(engine)
    assert outcome.passed is verdict(passes, engine.kind), outcome.message("en")
    assert outcome.message("en") and outcome.message("ko")
    if case in MESSAGES:
        en, ko = MESSAGES[case]
        assert en in outcome.message("en") and ko in outcome.message("ko"), outcome.message("ko")


def test_a_step_that_is_nowhere_in_the_history_is_named_as_such(engine):
    one = KINDS["image_history"]({"image": "grade-unit/web:v1", "base": "grade-unit/base",
                                  "steps": ["HEALTHCHECK"]}).evaluate(engine)
    assert not one.passed and one.message("en") == "grade-unit/web:v1: `HEALTHCHECK` is not in its history"
    two = KINDS["image_history"]({"image": "grade-unit/web:v1", "base": "grade-unit/base",
                                  "steps": ["HEALTHCHECK", "CMD"]}).evaluate(engine)
    assert two.message("en") == ("grade-unit/web:v1: none of the 2 steps is in its history in order; the first, "
                                 "`HEALTHCHECK`, is not in it at all")
    assert "HEALTHCHECK" in two.message("ko")


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


def test_a_volume_is_read_through_a_probe_of_the_image_of_a_container_using_it(engine, monkeypatch):
    """Nothing to pull: the image of a container that mounts the volume is on the engine."""
    asked = []
    real = engine.read_volume_file
    monkeypatch.setattr(engine, "read_volume_file", lambda *a, **k: asked.append(a) or real(*a, **k))
    assert KINDS["volume"]({"name": VOLUME, "path": "note.txt"}).evaluate(engine).passed
    assert asked[0][2] == engine.image(IMAGE)["Id"]


def test_the_registry_evidence_shows_each_request_and_its_answer(engine):
    outcome = KINDS["registry"]({**IN_REGISTRY, "repository": PUSHED_REPO, "tags": ["v1"]}).evaluate(engine)
    port = engine.container("registry")["NetworkSettings"]["Ports"]["5000/tcp"][0]["HostPort"]
    evidence = [e("en") for e in outcome.evidence]
    assert evidence[0] == f"registry: registry, port {port}"  # the host port it publishes
    assert f"GET http://127.0.0.1:{port}/v2/: 200 '{{}}'" in evidence
    assert any(f'/v2/{PUSHED_REPO}/tags/list: 200 \'{{"name":"{PUSHED_REPO}","tags":["v1"]}}' in line
               for line in evidence), evidence


def test_an_image_has_its_unpacked_size_on_every_engine(engine):
    """The layers' sizes in the history: Docker's containerd store gives compressed content as the
    image's Size (about 1 MB for this busybox image), the other engines the unpacked 2 MB."""
    import re

    outcome = KINDS["image_size"]({"image": IMAGE, "max_size": "10MB"}).evaluate(engine)
    size = int(re.search(r"\((\d+) bytes\)", outcome.evidence[0]("en")).group(1))
    assert 1_950_000 <= size <= 2_050_000, outcome.evidence  # engines round layers differently


def test_another_image_under_the_pushed_name_is_not_its_push(engine):
    params = {**IN_REGISTRY, "repository": PUSHED_REPO, "blob_of": "grade-unit/base"}
    outcome = KINDS["registry"](params).evaluate(engine)
    if engine.kind == "docker26-containerd":  # image ids name manifests there: the catalog is all
        assert outcome.passed
        assert any("only the catalog shows the push" in line("en") for line in outcome.evidence), outcome.evidence
        return
    assert not outcome.passed
    assert outcome.message("en").startswith(
        f"{PUSHED_REPO} in the registry does not hold grade-unit/base: its config sha256:"), outcome.message("en")
    assert "다른 이미지입니다" in outcome.message("ko")
    held = KINDS["registry"]({**IN_REGISTRY, "repository": PUSHED_REPO, "blob_of": IMAGE}).evaluate(engine)
    assert held.passed and not any("catalog shows" in line("en") for line in held.evidence)


def test_a_reference_of_another_lineage_costs_no_history_read(engine, monkeypatch):
    """`not_base` names an image the graded one is not built on (its layers do not start with the
    reference's): no history is read, neither the image's nor the reference's. On a busy engine
    each history lists every tag of every image in it, which the engine pays for on every read."""
    read = []
    answer = engine.history
    monkeypatch.setattr(engine, "history", lambda image_id: read.append(image_id) or answer(image_id))
    outcome = KINDS["image"]({"image": "grade-unit/base", "not_base": IMAGE}).evaluate(engine)
    assert outcome.passed, outcome.message("en")
    assert read == []
    # The other way round, the image is built on the reference: the histories decide, and say so.
    outcome = KINDS["image"]({"image": IMAGE, "not_base": "grade-unit/base"}).evaluate(engine)
    assert not outcome.passed and "built on grade-unit/base" in outcome.message("en")
    assert len(read) == 2


def test_an_image_not_built_on_the_base_is_told_so_without_reading_histories(engine, monkeypatch):
    """image_history's `base`: layers that do not start with the base's settle it (a repository's
    tags may name many images, each history listing every tag of its images)."""
    read = []
    answer = engine.history
    monkeypatch.setattr(engine, "history", lambda image_id: read.append(image_id) or answer(image_id))
    outcome = KINDS["image_history"]({"image": "grade-unit/base", "base": IMAGE, "steps": ["CMD"]}).evaluate(engine)
    assert not outcome.passed and "grade-unit/base is not built on grade-unit/web:v1" in outcome.message("en")
    assert read == []


@pytest.mark.parametrize("newest", [IMAGE, BASE])
def test_a_repository_s_images_are_judged_newest_first_until_one_passes(engine, monkeypatch, newest):
    """image_history with `repository`: one passing image is enough, so the images after it (a
    busy engine's repository may name many, each judged by history reads) are not judged."""
    ids = {ref: engine.image(ref)["Id"] for ref in (IMAGE, BASE)}
    older = BASE if newest == IMAGE else IMAGE
    monkeypatch.setattr(engine, "tags_by_image",  # the engine's order: newest image first
                        lambda repository: {ids[newest]: [newest], ids[older]: [older]})
    judged = []
    answer = engine.image
    monkeypatch.setattr(engine, "image", lambda ref: judged.append(ref) or answer(ref))
    params = {"repository": "grade-unit/web", "base": BASE, "steps": ["ENV TARGET", "COPY app.txt", "CMD"]}
    outcome = KINDS["image_history"](params).evaluate(engine)
    assert outcome.passed and IMAGE in outcome.message("en")
    if newest == IMAGE:
        assert judged == [IMAGE, BASE]  # the image and its `base`; the older image never
    else:
        assert judged == [BASE, BASE, IMAGE, BASE]  # the base adds nothing above itself; then the image


def test_a_tag_pattern_no_tag_matches_shows_the_tags_that_come_close(engine):
    """A student's typo in a tag (v2 for v1, galery for gallery) is shown beside the rubric's regex."""
    outcome = KINDS["image"]({"tag_matches": r"^grade-unit/web:v2$"}).evaluate(engine)
    assert not outcome.passed and "no tag on the engine matches /^grade-unit/web:v2$/" in outcome.message("en")
    assert [e("en") for e in outcome.evidence] == ["tags that come close: grade-unit/web:v1"]
    assert outcome.evidence[0]("ko") != outcome.evidence[0]("en")
    far = KINDS["image"]({"tag_matches": r"^nothing/like/it:at-all$"}).evaluate(engine)
    assert not far.passed and far.evidence == ()
