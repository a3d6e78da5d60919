"""Fuzzing the rubric loader: whatever the file holds, it either loads or raises RubricError with
the file and a line, never anything else."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.rubric import Rubric, RubricError, load

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = [p.read_text() for p in sorted((ROOT / "rubrics").glob("*.yaml"))]
DIR = Path(tempfile.mkdtemp(prefix="grade-fuzz-"))
atexit.register(shutil.rmtree, DIR, True)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(["image", "kind", "needs", "points", "run", "ch03"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10) | st.sampled_from(
        ["version", "lab", "title", "sections", "checks", "id", "kind", "points", "needs", "en", "ko"]),
        inner, max_size=5)), max_leaves=30)


def assert_loads_or_explains(text: str | bytes) -> None:
    path = DIR / "fuzz.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        assert isinstance(load(path), Rubric)
    except RubricError as e:
        assert e.problems
        for p in e.problems:
            assert p.file == str(path) and isinstance(p.line, int) and p.message("en") and p.message("ko")


# GRADE_FUZZ_EXAMPLES=3000 for a longer hunt; the suite's default keeps CI quick.
SETTINGS = settings(max_examples=int(os.environ.get("GRADE_FUZZ_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(documents)
def test_random_yaml_documents(doc):
    assert_loads_or_explains(yaml.safe_dump(doc, allow_unicode=True))


@SETTINGS
@given(st.sampled_from(BUNDLED), st.data())
def test_random_line_mutations_of_the_bundled_rubrics(text, data):
    lines = text.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "dup", "swap", "indent", "dedent", "garble"]))
        if action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif action == "indent":
            lines[i] = "  " + lines[i]
        elif action == "dedent":
            lines[i] = lines[i][2:]
        else:
            at = data.draw(st.integers(0, max(0, len(lines[i]) - 1)))
            lines[i] = lines[i][:at] + data.draw(st.text(max_size=3)) + lines[i][at + 1:]
        if not lines:
            break
    assert_loads_or_explains("".join(lines))


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(blob):
    assert_loads_or_explains(blob)


@SETTINGS
@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 3))
def test_random_alias_fan_out(levels, width, where):
    """Anchors that alias the level before, `width` times per level: up to 12**12 values."""
    lines = ["l0: &l0 [x, y]"] + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    doc = "\n".join(lines) + "\n"
    if where == 1:  # beside a real rubric
        doc += BUNDLED[0]
    elif where == 2:  # used as a value
        doc += f"version: *l{levels}\n"
    assert_loads_or_explains(doc)


@SETTINGS
@given(st.integers(1, 3000), st.sampled_from(["flow-list", "flow-map", "block-map", "block-list"]))
def test_random_nesting_depth(depth, style):
    if style == "flow-list":
        doc = "[" * depth + "]" * depth
    elif style == "flow-map":
        doc = "{a: " * depth + "1" + "}" * depth
    elif style == "block-map":
        doc = "".join(" " * i + "k:\n" for i in range(min(depth, 400)))
    else:
        doc = "".join(" " * i + "-\n" for i in range(min(depth, 400)))
    assert_loads_or_explains(doc)


ODD = ["fifo", "dir", "dev-zero", "symlink-to-dev-zero", "symlink-to-dir", "dangling-symlink", "empty",
       "unreadable-dir-entry", "huge-sparse"]


@settings(max_examples=len(ODD) * 2, deadline=None)
@given(st.sampled_from(ODD))
def test_odd_files(kind):
    path = DIR / f"odd-{kind}"
    if path.is_symlink() or path.is_file() or path.is_fifo():
        path.unlink()
    elif path.is_dir():
        path.rmdir()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dir":
        path.mkdir()
    elif kind == "dev-zero":
        path = Path("/dev/zero")
    elif kind == "symlink-to-dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "symlink-to-dir":
        path.symlink_to(DIR)
    elif kind == "dangling-symlink":
        path.symlink_to(DIR / "nowhere")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "unreadable-dir-entry":
        path = DIR / "nowhere" / "rubric.yaml"
    else:  # 4 GB claimed, none of it on disk: only the cap is read
        with open(path, "wb") as f:
            f.truncate(4 << 30)
    try:
        load(path)
    except RubricError as e:
        assert e.problems and e.problems[0].file == str(path) and e.problems[0].message("ko")
    else:
        raise AssertionError(f"{kind} loaded as a rubric")
