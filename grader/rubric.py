"""Rubric: load a YAML rubric, validate all of it up front, report problems with file:line."""
from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .schema import COMMON_KEYS
from .text import Text

MAX_BYTES = 1_000_000  # rubrics are small; refuse to parse anything huge
# A few hundred bytes of YAML aliases can stand for billions of values ("billion laughs"), and
# PyYAML composes nested collections recursively (RecursionError near 900 levels): both are
# bounded far above any real rubric (ch03 holds about 600 values, 7 levels deep).
MAX_VALUES = 100_000
MAX_DEPTH = 64
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    key: str
    message: Text

    def render(self, lang: str) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" [{self.key}]" if self.key else ""
        return f"{where}:{key} {self.message(lang)}"


class RubricError(Exception):
    """Every problem found in a rubric; the loader raises nothing else."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.render("en") for p in problems))

    def render(self, lang: str) -> str:
        return "\n".join(p.render(lang) for p in self.problems)


@dataclass(frozen=True)
class CheckSpec:
    id: str
    section: str
    section_title: Text
    title: Text
    hint: Text
    points: float
    bonus: bool
    needs: tuple[str, ...]
    kind: str
    params: dict
    line: int = 0


@dataclass(frozen=True)
class Section:
    id: str
    title: Text


@dataclass
class Rubric:
    lab: str
    title: Text
    sections: list[Section]
    checks: list[CheckSpec]
    path: str = ""
    version: int = 1
    by_id: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.by_id = {c.id: c for c in self.checks}

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks if not c.bonus)

    @property
    def bonus_score(self) -> float:
        return sum(c.points for c in self.checks if c.bonus)


# ---- YAML with line numbers -------------------------------------------------------------------

class _TooBig(Exception):
    def __init__(self, line: int, message: Text):
        self.line = line
        self.message = message


def _too_deep(line: int) -> _TooBig:
    return _TooBig(line, Text(f"nested more than {MAX_DEPTH} levels deep; a rubric is far flatter",
                              f"{MAX_DEPTH}단계보다 깊게 중첩되어 있습니다. 루브릭은 훨씬 얕습니다"))


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer refuses to nest deeper than MAX_DEPTH (it recurses per level)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _too_deep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Doc:
    """Plain data from YAML plus the line of every key and item, by path."""

    def __init__(self, file: str):
        self.file = file
        self.lines: dict[tuple, int] = {(): 1}
        self.problems: list[Problem] = []
        self._loader = yaml.SafeLoader("")
        self._values = 0

    def build(self, node, path=()):
        # Aliases are expanded here, so counting built values bounds what an alias bomb expands to.
        self._values += 1
        if self._values > MAX_VALUES:
            raise _TooBig(node.start_mark.line + 1, Text(
                f"more than {MAX_VALUES} values once its aliases (*name) are expanded; a rubric is far smaller",
                f"별칭(*name)을 펼치면 값이 {MAX_VALUES}개를 넘습니다. 루브릭은 훨씬 작습니다"))
        if len(path) > MAX_DEPTH:
            raise _too_deep(node.start_mark.line + 1)
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _TooBig(key_node.start_mark.line + 1, Text(
                        "a key must be plain text, not a list or a mapping",
                        "키는 목록이나 매핑이 아닌 일반 텍스트여야 합니다"))
                key = self._loader.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    key = str(key)
                if key in out:
                    self.problems.append(Problem(
                        self.file, key_node.start_mark.line + 1, key,
                        Text("duplicate key: this mapping already has it",
                             "중복된 키: 같은 매핑에 이미 있습니다")))
                out[key] = self.build(value_node, path + (key,))
                self.lines[path + (key,)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self._loader.construct_object(node, deep=True)

    def line(self, path) -> int:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path, message: Text, key: str | None = None):
        path = tuple(path)
        if key is None:
            key = ".".join(str(p) for p in path)
        self.problems.append(Problem(self.file, self.line(path), key, message))


def _read(path: Path) -> str:
    file = str(path)

    def cannot(e: OSError):
        return RubricError([Problem(file, 0, "", Text(
            f"cannot read the rubric: {e.strerror}", f"루브릭을 읽을 수 없습니다: {e.strerror}"))])

    # Look before opening: opening a FIFO blocks until a writer comes, and /dev/zero never ends.
    try:
        mode = path.stat().st_mode
    except OSError as e:
        raise cannot(e) from None
    if not stat.S_ISREG(mode):
        what = ("a directory", "디렉터리") if stat.S_ISDIR(mode) else \
            ("a named pipe (FIFO)", "이름 있는 파이프(FIFO)") if stat.S_ISFIFO(mode) else \
            ("a device", "장치 파일") if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else \
            ("a socket", "소켓") if stat.S_ISSOCK(mode) else ("not a regular file", "일반 파일 아님")
        raise RubricError([Problem(file, 0, "", Text(
            f"not a rubric file: this is {what[0]}; give a regular YAML file",
            f"루브릭 파일이 아닙니다. {what[1]}입니다. 일반 YAML 파일을 주세요"))])
    try:
        # O_NONBLOCK: should the path become a FIFO after the look above, opening still returns.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise OSError(0, "not a regular file")
            raw = f.read(MAX_BYTES + 1)  # never more than the cap, whatever the file claims
    except OSError as e:
        raise cannot(e) from None
    if len(raw) > MAX_BYTES:
        raise RubricError([Problem(file, 0, "", Text(
            f"the file is larger than {MAX_BYTES} bytes; a rubric may be at most {MAX_BYTES}",
            f"파일이 {MAX_BYTES}바이트보다 큽니다. 루브릭은 최대 {MAX_BYTES}바이트까지 허용됩니다"))])
    try:
        text = raw.decode("utf-8")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL byte")
    except UnicodeDecodeError:
        raise RubricError([Problem(file, 0, "", Text(
            "not a text file: a rubric is UTF-8 YAML",
            "텍스트 파일이 아닙니다. 루브릭은 UTF-8 YAML이어야 합니다"))]) from None
    return text


def _compose(text: str, doc: _Doc):
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except _TooBig as e:
        raise RubricError([Problem(doc.file, e.line, "", e.message)]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(e, "problem", None) or str(e)
        raise RubricError([Problem(doc.file, line, "", Text(
            f"not valid YAML: {problem}", f"올바른 YAML이 아닙니다: {problem}"))]) from None
    if not nodes:
        raise RubricError([Problem(doc.file, 1, "", Text("the rubric is empty", "루브릭이 비어 있습니다"))])
    if len(nodes) != 1:
        raise RubricError([Problem(doc.file, 1, "", Text(
            f"a rubric is exactly one YAML document; found {len(nodes)}",
            f"루브릭은 YAML 문서 하나여야 합니다. {len(nodes)}개를 찾았습니다"))])
    try:
        return doc.build(nodes[0])
    except _TooBig as e:
        raise RubricError([Problem(doc.file, e.line, "", e.message)]) from None
    except yaml.YAMLError as e:  # e.g. an unknown tag
        mark = getattr(e, "problem_mark", None)
        raise RubricError([Problem(doc.file, mark.line + 1 if mark else 0, "", Text(
            f"not valid YAML: {getattr(e, 'problem', e)}",
            f"올바른 YAML이 아닙니다: {getattr(e, 'problem', e)}"))]) from None


# ---- validation --------------------------------------------------------------------------------

def _suggest(word, choices) -> str:
    near = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return near[0] if near else ""


def _schema_problem(doc: _Doc, base: tuple, err) -> None:
    """Turn one jsonschema error into a Problem with a line and a plain message."""
    path = base + tuple(err.absolute_path)
    v, inst = err.validator, err.instance
    if v == "additionalProperties" or v == "unevaluatedProperties":
        allowed = list(err.schema.get("properties", {}))
        for extra in sorted(k for k in inst if k not in allowed):
            near = _suggest(extra, allowed)
            hint_en = f"; did you mean '{near}'?" if near else f"; allowed: {', '.join(allowed)}"
            hint_ko = f". '{near}'을(를) 의도하셨나요?" if near else f". 허용되는 키: {', '.join(allowed)}"
            doc.problem(path + (extra,), Text(f"unknown key '{extra}'{hint_en}",
                                              f"알 수 없는 키 '{extra}'{hint_ko}"), key=extra)
        return
    if v == "required":
        missing = re.findall(r"'([^']+)' is a required property", err.message)
        name = missing[0] if missing else err.message
        doc.problem(path, Text(f"missing required key '{name}'", f"필수 키 '{name}'이(가) 없습니다"),
                    key=name)
        return
    if v == "enum":
        near = _suggest(inst, err.validator_value)
        options = ", ".join(map(str, err.validator_value))
        hint_en = f"did you mean '{near}'?" if near else f"choose one of: {options}"
        hint_ko = f"'{near}'을(를) 의도하셨나요?" if near else f"다음 중 하나를 고르세요: {options}"
        doc.problem(path, Text(f"'{inst}' is not a valid value; {hint_en}",
                               f"'{inst}'은(는) 올바른 값이 아닙니다. {hint_ko}"))
        return
    if v == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        doc.problem(path, Text(f"expected {want}, got {type(inst).__name__} {inst!r}",
                               f"{want} 형식이어야 하는데 {type(inst).__name__} {inst!r}입니다"))
        return
    if v in ("minimum", "exclusiveMinimum"):
        doc.problem(path, Text(f"must be {'>' if v == 'exclusiveMinimum' else '>='} "
                               f"{err.validator_value}, got {inst!r}",
                               f"{err.validator_value} {'초과' if v == 'exclusiveMinimum' else '이상'}"
                               f"이어야 하는데 {inst!r}입니다"))
        return
    if v == "pattern":
        doc.problem(path, Text(f"{inst!r} does not match the pattern {err.validator_value}",
                               f"{inst!r}이(가) 패턴 {err.validator_value}에 맞지 않습니다"))
        return
    if v == "oneOf" and isinstance(inst, dict):
        # The matcher form: report the inner object's own problem, which is the useful one.
        for sub in err.context:
            if sub.validator != "type":
                _schema_problem(doc, path, _rebase(sub))
                return
    doc.problem(path, Text(err.message, f"스키마 오류: {err.message}"))


def _rebase(err):
    err.absolute_path.clear()
    err.absolute_path.extend(err.relative_path)
    return err


def _default_kinds() -> dict:
    from .checks import KINDS

    return KINDS


def _validate(data, doc: _Doc, kinds: dict) -> None:
    from jsonschema import Draft202012Validator  # heavy: only when a rubric is loaded

    from .schema import check_schema, document_schema

    top = Draft202012Validator(document_schema(list(kinds)))
    for err in sorted(top.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        # Errors inside checks are reported per kind below, with the kind's own keys.
        p = list(err.absolute_path)
        if len(p) >= 4 and p[0] == "sections" and p[2] == "checks":
            continue
        _schema_problem(doc, (), err)
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
        return  # the schema errors above already say so
    for si, section in enumerate(data["sections"]):
        if not isinstance(section, dict) or not isinstance(section.get("checks"), list):
            continue
        for ci, check in enumerate(section["checks"]):
            _validate_check(check, ("sections", si, "checks", ci), doc, kinds, check_schema)


def _validate_check(check, base: tuple, doc: _Doc, kinds: dict, schema_of, part: bool = False) -> None:
    """One check, or one part of an `all` check (`part`: only a kind and its parameters), with
    the same friendly messages and lines; the parts of `all` are validated here in turn."""
    from jsonschema import Draft202012Validator

    from .schema import part_schema

    if not isinstance(check, dict):
        doc.problem(base, Text("a check is a mapping of keys", "검사 항목은 키-값 매핑이어야 합니다"))
        return
    kind = check.get("kind")
    allowed = [k for k in kinds if not (part and k == "all")]  # no `all` inside `all`
    if kind not in allowed:
        if isinstance(kind, str):
            near = _suggest(kind, allowed)
            doc.problem(base + ("kind",), Text(
                f"unknown check kind '{kind}'" + (f"; did you mean '{near}'?" if near else
                                                  f"; known kinds: {', '.join(allowed)}"),
                f"알 수 없는 검사 종류 '{kind}'" + (f". '{near}'을(를) 의도하셨나요?" if near else
                                                f". 사용 가능한 종류: {', '.join(allowed)}")),
                key="kind")
        elif "kind" not in check:
            doc.problem(base, Text("missing required key 'kind'", "필수 키 'kind'가 없습니다"), key="kind")
        return
    schema = schema_of(kinds[kind])
    errors = list(Draft202012Validator(schema).iter_errors(check))
    # `imgae: x` is one mistake: say "did you mean 'image'", not also "'image' is missing".
    typo_for = {_suggest(k, schema["properties"]) for k in check if k not in schema["properties"]}
    for err in errors:
        if err.validator == "required" and any(f"'{t}'" in err.message for t in typo_for if t):
            continue
        if kind == "all" and list(err.absolute_path)[:1] == ["checks"] and len(err.absolute_path) > 1:
            continue  # inside a part: said below, with the part's own keys
        _schema_problem(doc, base, err)
    params = check if not part else {k: v for k, v in check.items() if k != "kind"}
    for key, message in kinds[kind].problems(params):
        doc.problem(base + tuple(key), message, key=".".join(map(str, key)))
    if kind == "all" and isinstance(check.get("checks"), list):
        for i, each in enumerate(check["checks"]):
            _validate_check(each, base + ("checks", i), doc, kinds, part_schema, part=True)


def _semantics(data, doc: _Doc) -> list[CheckSpec]:
    specs: list[CheckSpec] = []
    seen: dict[str, tuple] = {}
    where: dict[str, tuple] = {}
    for si, section in enumerate(data["sections"]):
        stitle = Text(**section["title"])
        for ci, c in enumerate(section["checks"]):
            base = ("sections", si, "checks", ci)
            if c["id"] in seen:
                doc.problem(base + ("id",), Text(
                    f"duplicate check id '{c['id']}' (first at line {doc.line(seen[c['id']])})",
                    f"중복된 검사 id '{c['id']}' (처음 나온 곳: {doc.line(seen[c['id']])}행)"), key="id")
                continue
            seen[c["id"]] = base + ("id",)
            where[c["id"]] = base
            specs.append(CheckSpec(
                id=c["id"], section=section["id"], section_title=stitle,
                title=Text(**c["title"]), hint=Text(**c["hint"]), points=float(c["points"]),
                bonus=bool(c.get("bonus", False)), needs=tuple(c.get("needs", ())), kind=c["kind"],
                params={k: v for k, v in c.items() if k not in COMMON_KEYS}, line=doc.line(base)))
    for spec in specs:
        for i, need in enumerate(spec.needs):
            if need == spec.id:
                doc.problem(where[spec.id] + ("needs", i), Text(
                    "a check cannot need itself", "검사는 자기 자신을 필요로 할 수 없습니다"), key="needs")
            elif need not in seen:
                near = _suggest(need, seen)
                doc.problem(where[spec.id] + ("needs", i), Text(
                    f"needs unknown check id '{need}'" + (f"; did you mean '{near}'?" if near else ""),
                    f"없는 검사 id '{need}'를 needs에 적었습니다"
                    + (f". '{near}'을(를) 의도하셨나요?" if near else "")),
                    key="needs")
    _cycles(specs, where, doc)
    return specs


def _cycles(specs, where, doc) -> None:
    graph = {s.id: [n for n in s.needs if n != s.id] for s in specs}
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                doc.problem(where[node] + ("needs",), Text(
                    "'needs' makes a cycle: " + " -> ".join(cycle),
                    "'needs'가 순환합니다: " + " -> ".join(cycle)), key="needs")
            elif state.get(nxt) is None and nxt in graph:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for s in specs:
        if s.id not in state:
            visit(s.id, [s.id])


# Validating against the JSON Schema needs jsonschema, whose import alone takes a third of a
# grading run. The same bytes checked by the same code validate the same, so a rubric that
# validated once is remembered by a hash of its text and of the grader's code files (their
# sizes and times), and not validated again until either changes.
def _validated_marker(text: str) -> Path | None:
    from . import __version__

    digest = hashlib.sha256(f"{__version__}\0{text}".encode("utf-8", "surrogatepass"))
    here = Path(__file__).resolve().parent
    try:
        for source in sorted([*here.glob("*.py"), *here.glob("checks/*.py")]):
            st = source.stat()
            digest.update(f"\0{source.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    except OSError:
        return None
    home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(home) / "grade" / "valid-rubrics" / digest.hexdigest()


def load(path, kinds: dict | None = None) -> Rubric:
    """Read and validate a rubric; raise RubricError listing every problem found."""
    marker = None
    if kinds is None:
        kinds = _default_kinds()
    path = Path(path)
    doc = _Doc(str(path))
    text = _read(path)
    data = _compose(text, doc)
    if data is None:
        raise RubricError([Problem(doc.file, 1, "", Text(
            "the rubric is empty", "루브릭이 비어 있습니다"))])
    if kinds is _default_kinds():
        marker = _validated_marker(text)
    if marker is None or not marker.is_file():
        _validate(data, doc, kinds)
    if doc.problems:
        raise RubricError(sorted(doc.problems, key=lambda p: p.line))
    specs = _semantics(data, doc)
    if doc.problems:
        raise RubricError(sorted(doc.problems, key=lambda p: p.line))
    if marker is not None and not marker.is_file():
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass  # a read-only home: validate every time
    sections = [Section(s["id"], Text(**s["title"])) for s in data["sections"]]
    return Rubric(lab=data["lab"], title=Text(**data["title"]), sections=sections, checks=specs,
                  path=str(path), version=data["version"])


REGEX_KEYS = ("matches", "not_matches", "logs", "expect")  # the parameters that hold a regex


def warnings(rubric: Rubric) -> list[Problem]:
    """Valid but risky: regexes of the shape known to backtrack catastrophically (grading stops
    them after a time bound, and the check is then an error instead of a grade)."""
    from .match import PATTERN_SECONDS, risky

    def patterns(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in REGEX_KEYS and isinstance(item, str):
                    yield key, item
                else:
                    yield from patterns(item)
        elif isinstance(value, list):
            for item in value:
                yield from patterns(item)

    out = []
    for spec in rubric.checks:
        for key, pattern in patterns(spec.params):
            if risky(pattern):
                out.append(Problem(rubric.path, spec.line, f"{spec.id}.{key}", Text(
                    f"warning: /{pattern}/ repeats a group that itself repeats (like (a+)+ or (a|aa)*); "
                    "such patterns can take exponential time on text they do not match, and grading "
                    f"stops them after {PATTERN_SECONDS:g} s. Write it without the nested repetition.",
                    f"경고: /{pattern}/은(는) 반복되는 그룹을 다시 반복합니다((a+)+, (a|aa)* 같은 꼴). "
                    "이런 패턴은 맞지 않는 텍스트에서 지수 시간이 걸릴 수 있어 채점은 "
                    f"{PATTERN_SECONDS:g}초 뒤 멈춥니다. 중첩된 반복 없이 다시 쓰세요.")))
    return out
