"""The machine-readable report."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from .. import __version__
from ..model import Report


def _num(x: float):
    return int(x) if float(x).is_integer() else round(x, 2)


def to_dict(report: Report, lang: str) -> dict:
    return {
        "grader": {"name": "grade", "version": __version__},
        "lab": report.lab,
        "title": report.title(lang),
        "student": report.student,
        "lang": lang,
        "engine": report.engine,
        "started": datetime.fromtimestamp(report.started, timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(report.seconds, 3),
        "score": _num(report.score),
        "max_score": _num(report.max_score),
        "percent": report.percent,
        "complete": report.complete,
        "fault": report.fault(lang) if report.fault else None,
        "checks": [
            {
                "id": r.id,
                "section": r.section,
                "section_title": r.section_title(lang),
                "title": r.title(lang),
                "status": r.status.value,
                "score": _num(r.score),
                "max_score": _num(r.max_score),
                "bonus": r.bonus,
                "message": r.message(lang),
                "hint": "" if r.passed else r.hint(lang),
                "evidence": list(r.evidence),
                "seconds": round(r.seconds, 3),
            }
            for r in report.results
        ],
    }


def render(report: Report, lang: str) -> str:
    return json.dumps(to_dict(report, lang), indent=2, ensure_ascii=False) + "\n"
