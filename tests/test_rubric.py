"""Rubric validation: every problem is reported up front with file, line, key and a suggestion."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from grader.checks import KINDS
from grader.rubric import RubricError, load
from grader.schema import render

ROOT = Path(__file__).resolve().parent.parent
CH03 = (ROOT / "rubrics" / "ch03.yaml").read_text()

GOOD = """\
version: 1
lab: demo
title: {en: Demo, ko: 데모}
sections:
  - id: one
    title: {en: One, ko: 하나}
    checks:
      - id: base-image
        title: {en: Base is here, ko: 기반 이미지 있음}
        hint: {en: Pull it, ko: 내려받으세요}
        points: 1
        kind: image
        image: diamol/base
      - id: base-cmd
        title: {en: Base runs sh, ko: sh 실행}
        hint: {en: Fix CMD, ko: CMD 수정}
        points: 2
        needs: [base-image]
        kind: image_config
        image: diamol/base
        cmd: [/bin/sh]
"""


def problems(tmp_path, text: str, name="rubric.yaml"):
    path = tmp_path / name
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    with pytest.raises(RubricError) as info:
        load(path)
    return info.value.problems


def only(tmp_path, text):
    found = problems(tmp_path, text)
    assert len(found) == 1, [p.render("en") for p in found]
    return found[0]


def test_a_good_rubric_loads_with_sections_points_and_needs(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    rubric = load(path)
    assert rubric.lab == "demo" and rubric.max_score == 3
    assert [c.id for c in rubric.checks] == ["base-image", "base-cmd"]
    assert rubric.checks[1].needs == ("base-image",)
    assert rubric.checks[1].params == {"image": "diamol/base", "cmd": ["/bin/sh"]}


def test_bundled_ch03_has_the_instructors_ids_and_points():
    rubric = load(ROOT / "rubrics" / "ch03.yaml")
    assert {c.id: c.points for c in rubric.checks} == {
        "pull-web-ping": 1, "env-override": 3, "web-ping-tag": 2, "web-ping-base": 1,
        "web-ping-env": 2, "web-ping-workdir-cmd": 2, "web-ping-app": 1, "web-ping-env-behavior": 3,
        "web-ping-layers": 2, "lab-container": 1, "lab-image": 2, "lab-commit": 2, "lab-file": 3,
        "cache-order": 2}
    assert rubric.max_score == 25 and rubric.bonus_score == 2
    assert [c.id for c in rubric.checks if c.bonus] == ["cache-order"]


def test_a_typo_in_a_key_names_the_line_and_suggests_the_right_key(tmp_path):
    p = only(tmp_path, GOOD.replace("        image: diamol/base\n      - id: base-cmd",
                                    "        imgae: diamol/base\n      - id: base-cmd"))
    assert p.line == 13 and p.key == "imgae"
    assert "did you mean 'image'" in p.render("en")
    assert p.render("en").startswith(f"{tmp_path / 'rubric.yaml'}:13:")


def test_a_typo_in_the_kind_suggests_the_nearest_kind(tmp_path):
    p = only(tmp_path, GOOD.replace("kind: image_config", "kind: image_confg"))
    assert p.line == 19 and "did you mean 'image_config'" in p.message("en")


def test_a_wildcard_in_a_volume_files_folder_is_refused_with_its_line(tmp_path):
    """`*` in a volume check's path is for the file's name, which the student chooses; a folder
    is listed, never searched."""
    text = GOOD.replace("""        kind: image
        image: diamol/base
""", """        kind: volume
        name: data
        path: "*/todo.db"
""", 1)
    p = only(tmp_path, text)
    assert p.line == 14
    assert "a wildcard may only be in the file's name, not in its folders: */todo.db" in p.message("en")
    load_ok = tmp_path / "ok.yaml"
    load_ok.write_text(text.replace('"*/todo.db"', '"db/*.db"'))
    assert load(load_ok).checks[0].params["path"] == "db/*.db"


def test_missing_keys_and_wrong_types_are_each_reported(tmp_path):
    text = GOOD.replace("        points: 2\n", "").replace("points: 1", "points: one")
    found = problems(tmp_path, text)
    messages = {(p.line, p.key): p.message("en") for p in found}
    assert any("missing required key 'points'" in m for m in messages.values())
    assert any(line == 11 and "expected number" in m for (line, _), m in messages.items())


ALL_PARTS = GOOD.replace("""        kind: image
        image: diamol/base
""", """        kind: all
        checks:
          - kind: image
            imgae: diamol/base
          - kind: image_confg
            image: diamol/base
          - kind: all
            checks: [{kind: image, image: diamol/base}]
""")


def test_problems_inside_the_parts_of_all_name_their_line_and_suggest_as_at_the_top(tmp_path):
    found = {p.line: p for p in problems(tmp_path, ALL_PARTS)}
    assert "did you mean 'image'" in found[15].message("en") and found[15].key == "imgae"
    assert "did you mean 'image_config'" in found[16].message("en") and "image_config" in found[16].message("ko")
    assert "unknown check kind 'all'" in found[18].message("en")  # no `all` inside `all`
    assert sorted(found) == [15, 16, 18], [p.render("en") for p in found.values()]


def test_negative_points_are_refused(tmp_path):
    p = only(tmp_path, GOOD.replace("points: 1", "points: -1"))
    assert p.line == 11 and ">= 0" in p.message("en")


def test_duplicate_ids_point_at_the_first(tmp_path):
    p = only(tmp_path, GOOD.replace("id: base-cmd", "id: base-image").replace(
        "needs: [base-image]", "needs: []"))
    assert p.line == 14 and "first at line 8" in p.message("en")


def test_needs_must_name_a_check_and_must_not_cycle(tmp_path):
    p = only(tmp_path, GOOD.replace("needs: [base-image]", "needs: [base-imag]"))
    assert p.line == 18 and "did you mean 'base-image'" in p.message("en")
    cyc = GOOD.replace("        points: 1\n        kind: image\n",
                       "        points: 1\n        needs: [base-cmd]\n        kind: image\n")
    found = problems(tmp_path, cyc)
    assert any("cycle" in p.message("en") and "base-image" in p.message("en") for p in found)


def test_a_regex_that_does_not_compile_is_caught_before_grading(tmp_path):
    text = GOOD + """      - id: logs
        title: {en: Logs, ko: 로그}
        hint: {en: Run it, ko: 실행}
        points: 1
        kind: container
        name: web
        logs: 'Pinging: ('
"""
    p = only(tmp_path, text)
    assert p.line == 28 and p.key == "logs" and "does not compile" in p.message("en")


def test_a_text_without_korean_is_refused(tmp_path):
    p = only(tmp_path, GOOD.replace("title: {en: One, ko: 하나}", "title: {en: One}"))
    assert p.line == 6 and "'ko'" in p.message("en")


def test_duplicate_yaml_keys_are_refused(tmp_path):
    p = only(tmp_path, GOOD.replace("        image: diamol/base\n      - id: base-cmd",
                                    "        image: diamol/base\n        image: web\n      - id: base-cmd"))
    assert p.line == 14 and "duplicate key" in p.message("en")


@pytest.mark.parametrize("content, words", [
    ("", "empty"),
    ("version: 1\nlab: [", "not valid YAML"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
    ("a: 1\n---\nb: 2\n", "exactly one YAML document"),
    ("- just\n- a list\n", "expected object"),
])
def test_files_that_are_not_rubrics_get_one_clear_problem(tmp_path, content, words):
    found = problems(tmp_path, content)
    assert any(words in p.message("en") for p in found), [p.render("en") for p in found]


def test_a_huge_file_is_refused_without_parsing(tmp_path):
    p = only(tmp_path, "# " + "x" * 2_000_000 + "\n")
    assert "at most" in p.message("en")


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize("content, line, words", [
    (BOMB, 1, "values once its aliases"),                                       # 9**9 values from 400 bytes
    ("a: " + "[" * 900 + "]" * 900 + "\n", 1, "nested more than 64 levels"),  # was a RecursionError
    ("".join("  " * i + f"k{i}:\n" for i in range(900)), 64, "nested more than 64 levels"),
    ("? [a, b]\n: 1\n", 1, "a key must be plain text"),
])
def test_alias_bombs_and_deep_nesting_are_refused_with_a_line(tmp_path, content, line, words):
    p = only(tmp_path, content)
    assert p.line == line and words in p.message("en") and p.message("ko")


def test_odd_files_are_refused_before_they_are_opened(tmp_path):
    import os

    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # opening it would block until a writer came
    for path, words in ((fifo, "named pipe"), (Path("/dev/zero"), "device"), (tmp_path, "directory")):
        with pytest.raises(RubricError) as e:
            load(path)
        assert words in e.value.problems[0].message("en") and e.value.problems[0].file == str(path)
    result = subprocess.run(["grade", "--rubric", str(fifo)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "named pipe" in result.stderr and "Traceback" not in result.stderr


def test_rubric_check_warns_about_catastrophic_patterns(tmp_path):
    risky = GOOD.replace("        cmd: [/bin/sh]\n", "        cmd: [/bin/sh]\n        env: {A: {matches: '^(a+)+$'}}\n")
    (tmp_path / "r.yaml").write_text(risky)
    result = subprocess.run(["grade", "rubric", "check", str(tmp_path / "r.yaml")], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "ok" in result.stdout
    assert "warning: /^(a+)+$/" in result.stderr and "base-cmd.matches" in result.stderr
    plain = subprocess.run(["grade", "rubric", "check", str(ROOT / "rubrics" / "ch03.yaml")],
                           capture_output=True, text=True, timeout=60)
    assert plain.returncode == 0 and "warning" not in plain.stderr


@pytest.mark.parametrize("pattern, risky", [
    ("^(a+)+$", True), ("(a*)*", True), (r"(\w+\s?)+", True), ("(?:x+y){2,}", True), ("(a|aa)+", True),
    ("(a|a)*", True), ("^web-ping$", False), ("(ab)+", False), ("(a|b)+", False), ("[(a+)]+", False),
    (r"\(a+\)+", False), ("Pinging: (blog|google)", False), ("(a+){3}", False),
])
def test_the_backtracking_heuristic_finds_the_textbook_shapes(pattern, risky):
    from grader.match import risky as is_risky

    assert is_risky(pattern) is risky


def test_problems_read_in_korean_too(tmp_path):
    p = only(tmp_path, GOOD.replace("imgae", "image").replace("kind: image_config", "kind: image_confg"))
    assert "알 수 없는 검사 종류입니다: 'image_confg'. 'image_config' 종류를 뜻하셨나요?" in p.render("ko")
    assert "(를)" not in p.render("ko")


def test_every_kind_declares_its_parameters_and_an_expectation():
    for name, kind in KINDS.items():
        assert kind.kind == name and kind.schema, name
        assert set(kind.required) <= set(kind.schema), name


def test_the_published_schema_is_the_one_the_loader_uses():
    assert (ROOT / "rubrics" / "schema.json").read_text() == render(), \
        "rubrics/schema.json is stale: python -m grader.schema > rubrics/schema.json"


def test_bundled_rubrics_validate_against_the_published_schema_and_bad_ones_fail_it():
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json.loads((ROOT / "rubrics" / "schema.json").read_text()))
    for path in (ROOT / "rubrics").glob("*.yaml"):
        assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == [], path
    bad = yaml.safe_load(CH03.replace("image: diamol/ch03-web-ping\n", "imgae: diamol/ch03-web-ping\n", 1))
    assert list(validator.iter_errors(bad))


def test_grade_rubric_check_exits_2_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("kind: image_config", "kind: image_confg"))
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    ok = subprocess.run(["grade", "rubric", "check", str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "ok" in ok.stdout
    result = subprocess.run(["grade", "rubric", "check", str(bad)], capture_output=True, text=True)
    assert result.returncode == 2
    assert f"{bad}:19:" in result.stderr and "Traceback" not in result.stderr


def test_grading_a_broken_rubric_exits_2_before_touching_the_engine(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("points: 1", "points: lots"))
    # An engine address that would hang if contacted: the rubric must fail first.
    result = subprocess.run(["grade", "--rubric", str(bad), "--host", "tcp://127.0.0.1:9"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"{bad}:11:" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_lab_suggests_the_nearest(tmp_path):
    result = subprocess.run(["grade", "ch3"], capture_output=True, text=True)
    assert result.returncode == 2 and "ch03" in result.stderr and "grade list" in result.stderr


def test_a_rubric_validated_once_is_still_checked_again_when_it_changes(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(GOOD)
    assert load(path).lab == load(path).lab == "demo"  # the second load skips the schema
    path.write_text(GOOD.replace("points: 2", "points: two"))
    with pytest.raises(RubricError) as e:
        load(path)
    assert any("expected number" in p.message("en") for p in e.value.problems)


def test_grade_explain_lists_every_check_with_its_expectation_and_hint_without_an_engine(tmp_path):
    """No engine is reached: DOCKER_HOST names a socket that does not exist."""
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/nothing.sock"}
    rubric = load(ROOT / "rubrics" / "ch03.yaml")
    for lang in ("en", "ko"):
        result = subprocess.run(["grade", "explain", "ch03", "--lang", lang], capture_output=True, text=True,
                                env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        for spec in rubric.checks:
            assert f"{spec.id} [" in result.stdout
            assert spec.title(lang) in result.stdout and spec.hint(lang) in result.stdout
            assert KINDS[spec.kind](spec.params).expectation()(lang) in result.stdout
        assert ("hint: " if lang == "en" else "힌트: ") in result.stdout


def test_grade_explain_says_what_a_check_is_worth_as_the_reports_do(tmp_path):
    path = tmp_path / "my-lab.yaml"
    path.write_text(GOOD.replace("        needs: [base-image]\n", "        bonus: true\n        needs: [base-image]\n"))
    english = subprocess.run(["grade", "explain", "--rubric", str(path)], capture_output=True, text=True, timeout=60)
    assert english.returncode == 0, english.stderr
    assert "  base-image [1 pt] Base is here\n" in english.stdout  # not "[1 pts]"
    assert "  base-cmd [2 pts bonus] Base runs sh\n" in english.stdout
    korean = subprocess.run(["grade", "explain", "--rubric", str(path), "--lang", "ko"], capture_output=True,
                            text=True, timeout=60)
    assert "  base-image [1점] 기반 이미지 있음\n" in korean.stdout
    assert "  base-cmd [보너스 2점] sh 실행\n" in korean.stdout


def test_grade_explain_of_an_unknown_lab_exits_2_naming_the_labs():
    result = subprocess.run(["grade", "explain", "ch99"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "ch03" in result.stdout + result.stderr


# An instructor's usual mistakes, as `grade rubric check` shows them: one problem each, naming the
# file, the line and the key as written, saying what to do, exit 2 and never a traceback.
AUTHORS_MISTAKES = [
    ("version: 2", GOOD.replace("version: 1", "version: 2"), 1, "version", "must be 1, got 2"),
    ("a misspelt state", GOOD.replace(
        "        kind: image\n        image: diamol/base\n",
        "        kind: container\n        image: diamol/base\n        state: runing\n"),
     14, "state", "'runing' is not a valid value; did you mean 'running'?"),
    ("points in quotes", GOOD.replace("points: 1", 'points: "1"'), 11, "points",
     "expected a number, got the text '1': write it without quotes"),
    ("an empty env", GOOD.replace("cmd: [/bin/sh]", "env: {}"), 21, "env", "must not be empty"),
    ("a misspelt instruction", GOOD.replace("        kind: image\n        image: diamol/base\n",
                                            "        kind: image_history\n        image: diamol/base\n"
                                            "        steps: [CMD, HELTHCHECK]\n"),
     14, "steps.1", "not a Dockerfile instruction: HELTHCHECK; did you mean HEALTHCHECK?"),
    ("a port out of range", GOOD.replace("        kind: image\n        image: diamol/base\n",
                                         "        kind: container_port\n        image: diamol/base\n"
                                         "        port: 80\n        host_port: 99999\n"),
     15, "host_port", "must be <= 65535, got 99999"),
    # The engine records an address, never a name: `localhost` matched no binding at all.
    ("localhost as a host_ip", GOOD.replace("        kind: image\n        image: diamol/base\n",
                                            "        kind: container_port\n        image: diamol/base\n"
                                            "        port: 80\n        host_ip: localhost\n"),
     15, "host_ip", "localhost is not an IP address, and the engine records a published port's address as one, "
                    "so this check could never pass: write 127.0.0.1 for localhost"),
    # Checks that can never pass, whatever the student does.
    ("a variable both unset and compared",
     GOOD.replace("cmd: [/bin/sh]", "env: {DEBUG: {equals: '1', present: false}}"),
     21, "env.DEBUG", "`present: false` asks that it is not set, and then it has no value for `equals` to hold, "
                      "so this could never pass"),
    ("the logs of a container never started", GOOD.replace("        kind: image\n        image: diamol/base\n",
                                                           "        kind: container\n        image: diamol/base\n"
                                                           "        state: created\n        logs: 'hello'\n"),
     15, "logs", "a container in state created never ran and printed nothing, so `logs` could never match"),
    ("points .nan", GOOD.replace("points: 1", "points: .nan"), 11, "points", ".nan is not a finite number"),
    ("points .inf", GOOD.replace("points: 1", "points: .inf"), 11, "points", ".inf is not a finite number"),
    ("an empty English title", GOOD.replace("{en: Demo, ko: 데모}", '{en: "", ko: 데모}'), 3, "en",
     "must not be empty"),
    ("a need named twice", GOOD.replace("needs: [base-image]", "needs: [base-image, base-image]"), 18, "needs",
     "lists 'base-image' more than once"),
    ("a copied section", GOOD + GOOD[GOOD.index("  - id: one"):].replace("base-image", "b2").replace(
        "base-cmd", "c2"), 22, "id", "duplicate section id 'one' (first at line 5)"),
    ("a misspelt key of what to check", GOOD.replace("cmd: [/bin/sh]", "cmdd: [/bin/sh]"), 21, "cmdd",
     "unknown key 'cmdd'; did you mean 'cmd'?"),
    ("a tab", GOOD.replace("        kind: image\n", "\tkind: image\n"), 12, "",
     "YAML indents with spaces, never tabs"),
    ("a regex in double quotes", GOOD.replace("cmd: [/bin/sh]", 'cmd: ["\\d+"]'), 21, "",
     "write regular expressions in single quotes"),
    # YAML reads unquoted 8080, 1.10 and yes as a number and a boolean where a text is expected:
    # said as typed (not 1.1, not True), with the quotes that keep it a text.
    ("a number as an env value", GOOD.replace("cmd: [/bin/sh]", "env: {PORT: 8080}"), 21, "PORT",
     "8080 is a number to YAML, and a text is expected here: write it in quotes, '8080'"),
    ("yes as an env value", GOOD.replace("cmd: [/bin/sh]", "env: {DEBUG: yes}"), 21, "DEBUG",
     "yes is true or false to YAML, and a text is expected here: write it in quotes, 'yes'"),
    ("a number in a matcher", GOOD.replace("cmd: [/bin/sh]", "labels: {version: {equals: 1.10}}"), 21, "equals",
     "1.10 is a number to YAML, and a text is expected here: write it in quotes, '1.10'"),
    ("a number in a command", GOOD.replace("        kind: image_config\n        image: diamol/base\n"
                                           "        cmd: [/bin/sh]\n",
                                           "        kind: run\n        image: diamol/base\n"
                                           "        command: [sleep, 10]\n        exit_code: 0\n"),
     21, "command.1", "10 is a number to YAML, and a text is expected here: write it in quotes, '10'"),
    ("a number as a tag", GOOD.replace("        kind: image_config\n        image: diamol/base\n"
                                       "        cmd: [/bin/sh]\n",
                                       "        kind: registry\n        image: diamol/registry\n"
                                       "        repository: gallery/ui\n        tags: [1.10]\n"),
     22, "tags.0", "1.10 is a number to YAML, and a text is expected here: write it in quotes, '1.10'"),
    ("a key indented one space too far", GOOD.replace("        kind: image\n", "         kind: image\n"), 12, "",
     "Check this line's indentation"),
]


@pytest.mark.parametrize("text, line, key, words", [m[1:] for m in AUTHORS_MISTAKES],
                         ids=[m[0] for m in AUTHORS_MISTAKES])
def test_an_authors_mistake_gets_one_clear_problem_with_its_line_and_key(tmp_path, text, line, key, words):
    path = tmp_path / "my-lab.yaml"
    path.write_text(text)
    result = subprocess.run(["grade", "rubric", "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    where = f"{path}:{line}: [{key}] " if key else f"{path}:{line}: "
    assert lines[0].startswith(where) and words in lines[0], lines[0]
    korean = subprocess.run(["grade", "rubric", "check", str(path), "--lang", "ko"], capture_output=True, text=True)
    assert korean.returncode == 2 and korean.stderr.startswith(where) and korean.stderr != result.stderr


def test_rubric_check_warns_when_a_required_check_needs_a_bonus_one(tmp_path):
    path = tmp_path / "my-lab.yaml"
    path.write_text(GOOD.replace("        points: 1\n", "        points: 1\n        bonus: true\n"))
    result = subprocess.run(["grade", "rubric", "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and "ok" in result.stdout  # valid: a warning, not a problem
    assert result.stderr == (f"{path}:15: [base-cmd.needs] warning: base-cmd is not a bonus check but needs the "
                             "bonus check base-image: a student who skips the bonus loses the points of base-cmd "
                             "too. Make base-cmd a bonus as well, or drop that need.\n")
    path.write_text(GOOD.replace("        points: 1\n", "        points: 1\n        bonus: true\n")
                    .replace("        points: 2\n", "        points: 2\n        bonus: true\n"))
    both = subprocess.run(["grade", "rubric", "check", str(path)], capture_output=True, text=True)
    assert both.returncode == 0 and both.stderr == ""


def test_grade_explain_without_a_lab_or_with_both_says_what_to_type_for_explain(tmp_path):
    none = subprocess.run(["grade", "explain"], capture_output=True, text=True, timeout=60)
    assert none.returncode == 2
    assert none.stderr == ("Say which lab to explain, e.g. `grade explain ch03` (see `grade list`), "
                           "or give --rubric FILE.\n")
    path = tmp_path / "my-lab.yaml"
    path.write_text(GOOD)
    both = subprocess.run(["grade", "explain", "ch03", "--rubric", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert both.returncode == 2 and f"`grade explain --rubric {path}` explains that file" in both.stderr


def test_rubric_check_warns_about_todo_texts_a_draft_left(tmp_path):
    path = tmp_path / "my-lab.yaml"
    path.write_text(GOOD.replace("hint: {en: Fix CMD, ko: CMD 수정}",
                                 "hint: {en: 'TODO: say what to type to fix this.', ko: 'TODO: 무엇을 입력할지'}"))
    result = subprocess.run(["grade", "rubric", "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and "ok" in result.stdout
    assert result.stderr == (f"{path}:14: [base-cmd.hint] warning: this text still says TODO, as the draft left "
                             "it; write what a student should read\n")
