"""What a student reads in Korean (`grade ch03 --lang ko`): every check kind's verdict, evidence
and hint on captured engine answers (cases.py: chapters 2-6, passing and failing), with no
English left outside the values (names, paths, commands, output lines), and the lines that point
at the mistake in Korean."""
from __future__ import annotations

import pytest

from grader.checks import KINDS
from grader.model import Outcome
from grader.text import Joined, Message, Text, Verbatim, translations

from .cases import CASES, IMAGE
from .test_catalog import latin_words


def skeleton(text: Text, lang: str = "ko") -> str:
    """`text` rendered with every value (a verbatim line, a name, a number) replaced by `{value}`,
    so what is left is the grader's own words, as the reader sees them."""
    if isinstance(text, Message):
        t = translations(lang)
        template = t.ngettext(text.msgid, text.plural, text.n) if text.plural else t.gettext(text.msgid)
        values = {k: skeleton(v, lang) if isinstance(v, Text) else "{value}" for k, v in text.fields}
        return template.format(n="{value}", **values) if text.fields or text.plural else template
    if isinstance(text, Verbatim):
        return "{value}" if text.value.strip() else text.value
    if isinstance(text, Joined):
        return skeleton(text.sep, lang).join(skeleton(p, lang) for p in text.parts)
    return text(lang)  # More, a rubric's own words


def read(outcome: Outcome, lang: str = "ko") -> list[str]:
    """The lines of a check as the terminal shows them: the message, the evidence, the hint."""
    return [outcome.message(lang)] + [e(lang) for e in outcome.evidence] + \
        ([outcome.hint(lang)] if outcome.hint else [])


def english_left(texts: list[Text]) -> dict[str, set[str]]:
    left = {skeleton(t): latin_words(skeleton(t)) for t in texts}
    return {line: words for line, words in left.items() if words}


@pytest.mark.parametrize("case, kind, params, passes", CASES, ids=[c[0] for c in CASES])
def test_every_kind_speaks_korean_around_its_values(engine, case, kind, params, passes):
    check = KINDS[kind](params)
    outcome = check.evaluate(engine)
    texts = [check.expectation(), outcome.message, *outcome.evidence] + ([outcome.hint] if outcome.hint else [])
    assert english_left(texts) == {}


PROBLEMS = [
    ("image", {}), ("image", {"image": "a", "tag_matches": "b"}), ("image_config", {"image": "a"}),
    ("image_size", {"image": "a", "max_ratio": 0.5}), ("image_file", {"image": "a", "path": "/a", "absent": True,
                                                                      "content": "x"}),
    ("image_history", {"image": "a", "repository": "b", "steps": ["FORM x"]}),
    ("registry", {"image": "r", "tags": ["v1"], "digest": "sha256:" + "0" * 64, "digest_of": "x"}),
    ("registry", {"image": "r", "repository": "a/b", "present": False}),
    ("http", {"port": 1, "serves_file": "/x", "state": "running", "matches": "("}),
    ("volume", {"name": "v", "content": "x"}), ("run", {"image": "a"}), ("container", {"logs": "("}),
]


@pytest.mark.parametrize("kind, params", PROBLEMS, ids=[k for k, _ in PROBLEMS])
def test_a_rubric_mistake_is_explained_in_korean(kind, params):
    problems = [message for _at, message in KINDS[kind].problems(params)]
    assert problems and english_left(problems) == {}


# The failing states a chapter 3 student meets most, line by line.

def test_an_image_history_out_of_order_says_where_in_korean(engine):
    outcome = KINDS["image_history"]({"image": IMAGE, "steps": ["CMD", "ENV TARGET"]}).evaluate(engine)
    message, breaks = read(outcome)[:2]
    assert not outcome.passed
    assert message == f"{IMAGE}: 2단계 중 1단계만 순서대로 있습니다. 그 뒤에 `ENV TARGET` 단계가 없습니다"
    assert breaks.startswith("순서가 어긋남: `ENV TARGET` 항목이 ") and "번째로, 순서상 먼저 와야 할 `CMD " in breaks
    assert any(line.endswith(" ✓") and "CMD" in line for line in read(outcome))


def test_a_probe_that_ends_without_the_output_says_how_in_korean(engine):
    params = next(p for case, _, p, _ in CASES if case == "run-exits-early")
    outcome = KINDS["run"](params).evaluate(engine)
    command = f"docker run {IMAGE} /bin/sh -c echo bye"
    assert read(outcome) == [f"`{command}` 명령의 출력에 /pinging/ 패턴이 없습니다",
                             "종료 코드: 0", f"실행한 명령: {command}", "출력: bye"]


def test_a_missing_variable_in_an_image_is_named_in_korean(engine):
    outcome = KINDS["image_config"]({"image": IMAGE, "env": {"NOPE": {"present": True}}}).evaluate(engine)
    assert read(outcome) == [f"{IMAGE} 이미지의 설정이 기대와 다릅니다. 기대한 설정: NOPE 설정됨",
                             "NOPE 변수가 설정되지 않음"]
    assert read(outcome, "en") == [f"{IMAGE} does not have: NOPE set", "NOPE is not set"]


def test_a_container_that_never_started_is_said_in_korean(engine):
    outcome = KINDS["container"]({"name": "created-only"}).evaluate(engine)
    assert read(outcome) == [
        "created-only 컨테이너는 만들어지기만 하고 한 번도 시작되지 않았습니다"
        "(`docker container create` 명령만으로는 실행되지 않습니다)",
        f"created-only: 이미지 {IMAGE}, 상태 created"]
