"""The rubrics bundled with the grader: where they live, and finding one by lab name."""
from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

LAB_ID = re.compile(r"[a-z0-9-]+")  # a name, never a path: `grade ../x` must not load any YAML file


def is_id(lab: str) -> bool:
    return LAB_ID.fullmatch(lab) is not None


def rubrics_dir() -> Path:
    """GRADE_RUBRICS_DIR, else the rubrics shipped in the package, else the source tree's."""
    if os.environ.get("GRADE_RUBRICS_DIR"):
        return Path(os.environ["GRADE_RUBRICS_DIR"])
    here = Path(__file__).resolve().parent
    installed = here / "rubrics"
    return installed if installed.is_dir() else here.parent / "rubrics"


def bundled() -> list[str]:
    return sorted(p.stem for p in rubrics_dir().glob("*.yaml"))


def find(lab: str) -> Path | None:
    if not is_id(lab):
        return None
    path = rubrics_dir() / f"{lab}.yaml"
    return path if path.is_file() else None


def nearest(lab: str) -> str:
    near = difflib.get_close_matches(lab, bundled(), n=1)
    return near[0] if near else ""
