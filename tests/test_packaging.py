"""What `pip install` gives a course: the built wheel carries the bundled rubrics and finds them."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_the_bundled_rubrics_and_grade_list_finds_them(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("grade-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("grader/rubrics/")}
    assert {p.name for p in (ROOT / "rubrics").glob("*.yaml")} | {"schema.json"} <= shipped
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    # Run from elsewhere, with only the unpacked wheel on the path: no source tree to fall back on.
    listed = subprocess.run([sys.executable, "-c", "from grader.cli import main; main()", "list"],
                            cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert "ch03" in listed.stdout and "25 pts + 2 bonus" in listed.stdout
