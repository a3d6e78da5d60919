"""A fake engine that answers with what a real engine answered (data/ENGINE.json, written by
capture.py): the check kinds are graded on real inspect, history, log, file, probe, volume and
registry data with no engine installed or running."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from grader.engine import EngineProtocol, FileRead, ProbeResult
from grader.text import verbatim

DATA = Path(__file__).resolve().parent / "data"
RECORDS = {"FileRead": FileRead, "ProbeResult": ProbeResult}


def decode(value):
    if isinstance(value, dict):
        if "__bytes__" in value:
            return base64.b64decode(value["__bytes__"])
        if "__record__" in value:
            fields = {k: decode(v) for k, v in value.items() if k != "__record__"}
            return RECORDS[value["__record__"]](**fields)
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


class NotCaptured(AssertionError):
    """A check asked something capture.py did not record: recapture after changing a case."""


class CapturedEngine:
    """EngineProtocol answered from one capture; anything not captured fails the test loudly."""

    def __init__(self, path: Path):
        data = json.loads(path.read_text())
        self.kind = data["engine"]
        self.info = dict(data["info"], address="captured:" + self.kind)
        self._calls = data["calls"]
        self._http = data["http"]

    def _answer(self, name: str, *args, **kwargs):
        key = json.dumps([name, list(args), kwargs], sort_keys=True)
        if key not in self._calls:
            raise NotCaptured(f"{self.kind}: no captured answer for {key}; run tests/unit/capture.py")
        return decode(self._calls[key])

    def http_answer(self, url: str, cap: int, method: str = "GET") -> tuple:
        key = json.dumps([method, url, cap])  # as capture.py writes it
        if key not in self._http:
            raise NotCaptured(f"{self.kind}: no captured HTTP answer for {key}")
        status, body, truncated, error = decode(self._http[key])
        return status, body, truncated, verbatim(error) if error else None  # as http.get answers

    def image(self, *a, **k):
        return self._answer("image", *a, **k)

    def tags(self, *a, **k):
        return self._answer("tags", *a, **k)

    def tags_by_image(self, *a, **k):
        return self._answer("tags_by_image", *a, **k)

    def all_tags(self, *a, **k):
        return self._answer("all_tags", *a, **k)

    def history(self, *a, **k):
        return self._answer("history", *a, **k)

    def container(self, *a, **k):
        return self._answer("container", *a, **k)

    def containers_from(self, *a, **k):
        return self._answer("containers_from", *a, **k)

    def containers_of_older(self, *a, **k):
        """Captures made before the lookup asked this hold no answer for it: their cases rebuilt
        nothing after running a container, so there is none (a recapture records the real one)."""
        try:
            return self._answer("containers_of_older", *a, **k)
        except NotCaptured:
            return []

    def inspect_container(self, *a, **k):
        return self._answer("inspect_container", *a, **k)

    def image_ids_are_configs(self, *a, **k):
        return self._answer("image_ids_are_configs", *a, **k)

    def logs(self, *a, **k):
        return self._answer("logs", *a, **k)

    def read_file(self, *a, **k):
        return self._answer("read_file", *a, **k)

    def read_container_file(self, *a, **k):
        return self._answer("read_container_file", *a, **k)

    def probe(self, *a, **k):
        return self._answer("probe", *a, **k)

    def published_host(self, *a, **k):
        return self._answer("published_host", *a, **k)

    def volume(self, *a, **k):
        return self._answer("volume", *a, **k)

    def volume_users(self, *a, **k):
        return self._answer("volume_users", *a, **k)

    def read_volume_file(self, *a, **k):
        return self._answer("read_volume_file", *a, **k)

    def volume_names(self, *a, **k):
        return self._answer("volume_names", *a, **k)


def _typed(engine: CapturedEngine) -> EngineProtocol:
    return engine  # mypy checks that the fake is an EngineProtocol


CAPTURES = sorted(DATA.glob("*.json"))


@pytest.fixture(params=CAPTURES, ids=[p.stem for p in CAPTURES])
def engine(request, monkeypatch) -> CapturedEngine:
    """Each capture in turn; the http and registry kinds' requests answered from the same capture."""
    from grader.checks import http, registry

    fake = CapturedEngine(request.param)

    def get(url, timeout, cap, method="GET", headers=None):
        return fake.http_answer(url, cap, method)
    monkeypatch.setattr(http, "get", get)
    monkeypatch.setattr(registry, "get", get)  # its own name for the same function
    return fake
