"""What students type for chapter 3, replayed on a real engine, and the grade they get."""
from __future__ import annotations

import pytest

ALL = {
    "pull-web-ping": 1, "env-override": 3, "web-ping-tag": 2, "web-ping-base": 1, "web-ping-env": 2,
    "web-ping-workdir-cmd": 2, "web-ping-app": 1, "web-ping-env-behavior": 3, "web-ping-layers": 2,
    "lab-container": 1, "lab-image": 2, "lab-commit": 2, "lab-file": 3, "cache-order": 2,
}


@pytest.mark.parametrize("buildkit", [True, False], ids=["buildkit", "legacy-builder"])
def test_reference_solution_scores_full_marks_and_bonus(student, grade, buildkit):
    student.buildkit = buildkit
    student.solution()
    graded = grade()
    assert graded.points() == ALL
    assert graded.report["score"] == 27 and graded.report["max_score"] == 25
    assert graded.code == 0
    assert "27/25" in graded.out


def test_nothing_done_scores_only_the_pulled_image(student, grade):
    graded = grade()
    assert graded.code == 1
    assert graded.report["score"] == 1
    assert graded.status("web-ping-base") == "skipped"
    assert "needs web-ping-tag" in graded.check("web-ping-base")["message"]
    assert "docker image build --tag web-ping ." in graded.out
