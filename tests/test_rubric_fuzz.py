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
            assert p.file == str(path) and isinstance(p.line, int) and p.message.en and p.message.ko


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
