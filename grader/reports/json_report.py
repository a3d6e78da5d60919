"""The machine-readable report."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Optional

from .. import __version__, points, signing
from ..model import Report


def to_dict(report: Report, lang: str) -> dict[str, Any]:
    return {
        "grader": {"name": "grade", "version": __version__},
        "lab": report.lab,
        "title": report.title(lang),
        "student": report.student,
        "lang": lang,
        "engine": report.engine,
        "started": datetime.fromtimestamp(report.started, timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(report.seconds, 3),
        "score": points.number(report.score),
        "max_score": points.number(report.max_score),
        "percent": report.percent,
        # The same score split for a reader: core (non-bonus) points never exceed max_score, so a
        # bonus cannot hide a missed check; the bonus is counted apart.
        "core_score": points.number(report.core_score),
        "core_percent": report.core_percent,
        "bonus_score": points.number(report.bonus_score),
        "bonus_max_score": points.number(report.bonus_max_score),
        "complete": report.complete,
        "fault": report.fault(lang) if report.fault else None,
        "checks": [
            {
                "id": r.id,
                "section": r.section,
                "section_title": r.section_title(lang),
                "title": r.title(lang),
                "status": r.status.value,
                "score": points.number(r.score),
                "max_score": points.number(r.max_score),
                "bonus": r.bonus,
                "message": r.message(lang),
                "hint": "" if r.passed else r.hint(lang),
                "evidence": [e(lang) for e in r.evidence],
                "seconds": round(r.seconds, 3),
            }
            for r in report.results
        ],
    }


def render(report: Report, lang: str, key: Optional[bytes] = None) -> str:
    """The JSON report; with `key`, signed by a last field over the canonical form of the rest."""
    data = to_dict(report, lang)
    if key is not None:
        data[signing.FIELD] = signing.json_signature(data, key)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
