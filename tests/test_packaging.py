"""What `pip install` gives a course: the built wheel carries the bundled rubrics and the compiled
message catalogs, and finds both; the sdist carries the catalogs' sources, so a build from it
compiles them."""
from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MO = "grader/locale/ko/LC_MESSAGES/grade.mo"


def wheel_of(source: Path, dist: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
                   check=True, capture_output=True)
    return next(dist.glob("grade-*.whl"))


def grade_list(wheel: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """`grade list` run from elsewhere, with only the unpacked wheel on the path: no source tree to
    fall back on, and no language in the environment but what `args` say."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    return subprocess.run([sys.executable, "-c", "from grader.cli import main; main()", "list", *args],
                          cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True)


def test_the_wheel_ships_the_bundled_rubrics_and_grade_list_finds_them(tmp_path):
    wheel = wheel_of(ROOT, tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("grader/rubrics/")}
    assert {p.name for p in (ROOT / "rubrics").glob("*.yaml")} | {"schema.json"} <= shipped
    assert MO in names and not any(n.endswith((".po", ".pot")) for n in names)
    listed = grade_list(wheel, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "ch03" in listed.stdout and "25 pts + 2 bonus" in listed.stdout


def test_a_wheel_built_from_the_sdist_speaks_korean(tmp_path):
    # The sdist, through the build backend's own hook (what `python -m build --sdist` calls).
    dist = tmp_path / "sdist"
    subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                    "build_meta.build_sdist(sys.argv[1])", str(dist)], cwd=ROOT, check=True, capture_output=True)
    sdist = next(dist.glob("grade-*.tar.gz"))
    members = [Path(*Path(n).parts[1:]).as_posix() for n in tarfile.open(sdist).getnames()]
    assert "grader/locale/ko/LC_MESSAGES/grade.po" in members and "setup.py" in members
    assert MO not in members  # only the build makes it
    wheel = wheel_of(sdist, tmp_path / "dist")
    assert MO in zipfile.ZipFile(wheel).namelist()
    listed = grade_list(wheel, tmp_path, "--lang", "ko")
    assert listed.returncode == 0, listed.stderr
    assert "제3장" in listed.stdout and "25점 + 보너스 2점, 검사 14개" in listed.stdout
