"""Reading a rubric file: YAML with a line for every value, bounded against huge or hostile
input, and the problems found in it (file, line, key, a message in the reader's language)."""
from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml

from .text import Text, _, join

MAX_BYTES = 1_000_000  # rubrics are small; refuse to parse anything huge
# A few hundred bytes of YAML aliases can stand for billions of values ("billion laughs"), and
# PyYAML composes nested collections recursively (RecursionError near 900 levels): both are
# bounded far above any real rubric (ch03 holds about 600 values, 7 levels deep).
MAX_VALUES = 100_000
MAX_DEPTH = 64


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



class _TooBig(Exception):
    def __init__(self, line: int, message: Text):
        self.line = line
        self.message = message


def _too_deep(line: int) -> _TooBig:
    return _TooBig(line, _("nested more than {depth} levels deep; a rubric is far flatter", depth=MAX_DEPTH))


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


class Doc:
    """Plain data from YAML plus the line of every key and item, by path."""

    def __init__(self, file: str):
        self.file = file
        self.lines: dict[tuple, int] = {(): 1}
        self.problems: list[Problem] = []
        # Each scalar as the author typed it: `1.10` and `yes` are a number and a boolean to YAML,
        # and a message that asks to quote them must show them as typed, not as 1.1 and True.
        self.written: dict[tuple, str] = {}
        self._loader = yaml.SafeLoader("")
        self._values = 0

    def build(self, node, path=()):
        # Aliases are expanded here, so counting built values bounds what an alias bomb expands to.
        self._values += 1
        if self._values > MAX_VALUES:
            raise _TooBig(node.start_mark.line + 1, _(
                "more than {count} values once its aliases (*name) are expanded; a rubric is far smaller",
                count=MAX_VALUES))
        if len(path) > MAX_DEPTH:
            raise _too_deep(node.start_mark.line + 1)
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _TooBig(key_node.start_mark.line + 1, _("a key must be plain text, not a list or a mapping"))
                key = self._loader.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    key = str(key)
                if key in out:
                    self.problems.append(Problem(
                        self.file, key_node.start_mark.line + 1, key,
                        _("duplicate key: this mapping already has it")))
                out[key] = self.build(value_node, path + (key,))
                self.lines[path + (key,)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        value = self._loader.construct_object(node, deep=True)
        self.written[path] = node.value
        if isinstance(value, float) and not math.isfinite(value):
            # `.nan` and `.inf` are YAML numbers that pass every bound of the schema (nan compares
            # false to them all): as points they made a total of "nan pts".
            self.problem(path, _("{value} is not a finite number; write a number such as 2 or 1.5",
                                 value=node.value))
        return value

    def line(self, path) -> int:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path, message: Text, key: str | None = None):
        path = tuple(path)
        if key is None:
            # The key as the author wrote it (`points`, `state.0`), not the path down to it
            # (`sections.1.checks.0.points`): the line already says where it is.
            named = max((i for i, p in enumerate(path) if isinstance(p, str)), default=0)
            key = ".".join(str(p) for p in path[named:])
        self.problems.append(Problem(self.file, self.line(path), key, message))


def read_rubric(path: Path) -> str:
    file = str(path)

    def cannot(e: OSError):
        # NOTE: {error} is the operating system's own message, in English.
        return RubricError([Problem(file, 0, "", _("cannot read the rubric: {error}", error=str(e.strerror)))])

    # Look before opening: opening a FIFO blocks until a writer comes, and /dev/zero never ends.
    try:
        mode = path.stat().st_mode
    except OSError as e:
        raise cannot(e) from None
    if not stat.S_ISREG(mode):
        if stat.S_ISDIR(mode):
            message = _("not a rubric file: this is a directory; give a regular YAML file")
        elif stat.S_ISFIFO(mode):
            message = _("not a rubric file: this is a named pipe (FIFO); give a regular YAML file")
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            message = _("not a rubric file: this is a device; give a regular YAML file")
        elif stat.S_ISSOCK(mode):
            message = _("not a rubric file: this is a socket; give a regular YAML file")
        else:
            message = _("not a rubric file: this is not a regular file; give a regular YAML file")
        raise RubricError([Problem(file, 0, "", message)])
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
        raise RubricError([Problem(file, 0, "", _(
            "the file is larger than {size} bytes; a rubric may be at most {size}", size=MAX_BYTES))])
    try:
        text = raw.decode("utf-8")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL byte")
    except UnicodeDecodeError:
        raise RubricError([Problem(file, 0, "", _("not a text file: a rubric is UTF-8 YAML"))]) from None
    return text


def _yaml_advice(problem: str) -> Text | None:
    """What the parser's words mean for a rubric author, for the mistakes authors make."""
    if "'\\t'" in problem:
        return _("YAML indents with spaces, never tabs: replace the tab on this line with spaces")
    if "unknown escape character" in problem:
        return _("Inside double quotes a backslash starts an escape; write regular expressions in single quotes, "
                 "as in '\\d+'")
    if "expected <block end>" in problem or "mapping values are not allowed" in problem:
        return _("Check this line's indentation against the lines above it (keys of one mapping start in the "
                 "same column), and quote a text that holds ': '")
    return None


def compose(text: str, doc: Doc):
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except _TooBig as e:
        raise RubricError([Problem(doc.file, e.line, "", e.message)]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(e, "problem", None) or str(e)
        # NOTE: {error} is the YAML parser's own message, in English.
        message: Text = _("not valid YAML: {error}", error=str(problem))
        advice = _yaml_advice(str(problem))
        if advice is not None:
            message = join([message, advice], ". ")
        raise RubricError([Problem(doc.file, line, "", message)]) from None
    if not nodes:
        raise RubricError([Problem(doc.file, 1, "", _("the rubric is empty"))])
    if len(nodes) != 1:
        raise RubricError([Problem(doc.file, 1, "", _(
            "a rubric is exactly one YAML document; found {count}", count=len(nodes)))])
    try:
        return doc.build(nodes[0])
    except _TooBig as e:
        raise RubricError([Problem(doc.file, e.line, "", e.message)]) from None
    except yaml.YAMLError as e:  # e.g. an unknown tag
        mark = getattr(e, "problem_mark", None)
        raise RubricError([Problem(doc.file, mark.line + 1 if mark else 0, "", _(
            "not valid YAML: {error}", error=str(getattr(e, "problem", e))))]) from None
