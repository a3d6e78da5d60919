"""http: a GET on a port the engine publishes answers with a status and a body.

The request goes where the engine publishes ports: 127.0.0.1 for an engine on a local socket,
the engine's host for a tcp:// DOCKER_HOST (in GitLab CI, the dind service). It never goes
through a proxy (proxy variables are ignored), follows no redirect (a 3xx is the answer), reads
at most `max_bytes` of the body and gives up after `timeout` seconds.

With a container (`name` and/or `image`, found as the `container` kind finds it), only that
container may be the one publishing the port, and `serves_file` asks that the body be exactly
the content of a file in it now (e.g. a page copied in with `docker container cp`).
"""
from __future__ import annotations

import http.client
import socket
import threading
from urllib.parse import urlsplit

from .. import match
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text
from .base import REGEX, Check, failed, passed, regex_problems, register
from .files import DEFAULT_CAP, max_bytes, shown
from .lookup import LOOKUP, LOOKUP_SCHEMA, lookup_text, name_of, select
from .ports import bindings, describe_bindings

MAX_TIMEOUT = 30


def get(url: str, timeout: float, cap: int, method: str = "GET",
        headers: dict | None = None) -> tuple[int | None, bytes, bool, str]:
    """(status, body up to cap, truncated, error): status None when nothing answered.

    `timeout` bounds the whole request, not each read: a server trickling a byte every few seconds
    would pass any per-read timeout. A timer shuts the socket down at the deadline, which ends the
    read in progress. Plain http.client: no proxy (HTTP_PROXY and friends must not carry the
    request off the engine's host) and no redirect (a 3xx is the answer)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
    expired = threading.Event()

    def expire():
        expired.set()
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def late(what: str) -> str:
        return f"timed out: {what} within {timeout:g} s"

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request(method, target, headers={"User-Agent": "grade", "Connection": "close",
                                                  **(headers or {})})
            response = conn.getresponse()
        except (OSError, http.client.HTTPException, ValueError) as e:  # refused, reset, not HTTP
            if expired.is_set():
                return None, b"", False, late("no answer")
            return None, b"", False, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        status = response.status
        data = bytearray()
        try:
            while len(data) <= cap:
                chunk = response.read(min(65536, cap + 1 - len(data)))
                if not chunk:
                    break
                data += chunk
            if expired.is_set():
                return status, b"", False, late("the body did not arrive")
        except (OSError, http.client.HTTPException) as e:  # the answer broke off after the status
            if expired.is_set():
                return status, b"", False, late("the body did not arrive")
            return status, b"", False, f"{type(e).__name__}: {e}"
        return status, bytes(data[:cap]), len(data) > cap, ""
    finally:
        timer.cancel()
        conn.close()


@register
class Http(Check):
    kind = "http"
    reacts_to = frozenset({"container", "image", "network", "running"})  # see grader/watch.py
    schema = {
        "port": {"type": "integer", "minimum": 1, "maximum": 65535,
                 "description": "The published host port (8088 in --publish 8088:80)."},
        "path": {"type": "string", "pattern": "^/", "description": "The URL path (default /)."},
        "status": {"type": "integer", "minimum": 100, "maximum": 599,
                   "description": "The expected status (default 200)."},
        "matches": {**REGEX, "description": "The body matches this regex (re.search)."},
        "not_matches": {**REGEX, "description": "The body does not match this regex."},
        **LOOKUP_SCHEMA,
        "serves_file": {"type": "string", "pattern": "^/",
                        "description": "The body is exactly this file as it is now in the container "
                                       "(needs `name` or `image`)."},
        "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TIMEOUT,
                    "description": "Seconds to wait for the answer (default 5)."},
        "max_bytes": max_bytes(" of the body"),
    }
    required = ("port",)

    @classmethod
    def problems(cls, params):
        out = regex_problems(params, "matches", "not_matches")
        if "serves_file" in params and "name" not in params and "image" not in params:
            out.append((("serves_file",), Text(
                "`serves_file` needs the container: give `name` or `image`",
                "`serves_file`에는 컨테이너가 필요합니다. `name`이나 `image`를 적으세요")))
        if "state" in params and "name" not in params and "image" not in params:
            out.append((("state",), Text("`state` needs the container: give `name` or `image`",
                                         "`state`에는 컨테이너가 필요합니다. `name`이나 `image`를 적으세요")))
        return out

    def _has_container(self) -> bool:
        return "name" in self.params or "image" in self.params

    def _request(self) -> str:
        return f"GET :{self.params['port']}{self.params.get('path', '/')}"

    def expectation(self) -> Text:
        p = self.params
        en, ko = [f"status {p.get('status', 200)}"], [f"상태 {p.get('status', 200)}"]
        if "matches" in p:
            en.append(f"a body matching /{p['matches']}/")
            ko.append(f"본문이 /{p['matches']}/에 맞음")
        if "not_matches" in p:
            en.append(f"a body not matching /{p['not_matches']}/")
            ko.append(f"본문이 /{p['not_matches']}/에 맞지 않음")
        if "serves_file" in p:
            en.append(f"the body is {p['serves_file']} of the container")
            ko.append(f"본문이 컨테이너의 {p['serves_file']} 파일과 같음")
        text = Text(f"`{self._request()}` on the engine's host answers with " + ", ".join(en),
                    f"엔진 호스트에서 `{self._request()}` 응답: " + ", ".join(ko))
        if self._has_container():
            who = lookup_text(p)
            text = text + Text(f"; served by: {who.en}", f"; 응답하는 컨테이너: {who.ko}")
        return text

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        port, path = p["port"], p.get("path", "/")
        serving = []
        if self._has_container():
            found, why = select(engine, {k: p[k] for k in LOOKUP if k in p})
            if why is not None:  # none found
                return why
            serving = [a for a in found if any(hp == str(port) for binds in bindings(a)[0].values()
                                               for _, hp in binds)]
            if not serving:
                return failed(f"no such container publishes host port {port}",
                              f"호스트 포트 {port}를 공개하는 해당 컨테이너가 없습니다",
                              *(describe_bindings(a) for a in found[:10]))
        host = engine.published_host()
        url = f"http://{'[' + host + ']' if ':' in host else host}:{port}{path}"
        cap = p.get("max_bytes", DEFAULT_CAP)
        status, body, truncated, error = get(url, p.get("timeout", 5), cap)
        evidence = [f"GET {url}"]
        if status is None:
            evidence.append(f"no answer: {error}")
            return failed(f"nothing answered at {url}: {error}", f"{url}에서 응답이 없습니다: {error}",
                          *evidence)
        evidence += [f"status: {status}", f"body: {len(body)} bytes{' (truncated)' if truncated else ''}",
                     f"body: {shown(body)}"]
        if error:
            evidence.append(f"the answer broke off: {error}")
        want = p.get("status", 200)
        if status != want:
            return failed(f"{url} answered {status}, not {want}", f"{url}의 응답 상태가 {want}이(가) 아니라 "
                          f"{status}입니다", *evidence)
        text = body.decode("utf-8", "replace")
        if "matches" in p and not match.search(p["matches"], text):
            return failed(f"the page at {url} does not match /{p['matches']}/",
                          f"{url}의 페이지가 /{p['matches']}/에 맞지 않습니다", *evidence)
        if "not_matches" in p and match.search(p["not_matches"], text):
            return failed(f"the page at {url} still matches /{p['not_matches']}/",
                          f"{url}의 페이지가 아직 /{p['not_matches']}/에 맞습니다", *evidence)
        if "serves_file" in p:
            file_path = p["serves_file"]
            for attrs in serving:
                got = engine.read_container_file(attrs["Id"], file_path, cap)
                if got is None or got.is_dir:
                    evidence.append(f"{name_of(attrs)}: no file {file_path}")
                    continue
                evidence.append(f"{name_of(attrs)}: {file_path}: {shown(got.content)}")
                if got.content == body and got.truncated == truncated:
                    return passed(f"{url} serves {file_path} of container {name_of(attrs)}",
                                  f"{url}이(가) 컨테이너 {name_of(attrs)}의 {file_path}을(를) 보여 줍니다",
                                  *evidence)
            return failed(f"the page at {url} is not {file_path} of the container",
                          f"{url}의 페이지가 컨테이너의 {file_path}과(와) 다릅니다", *evidence)
        return passed(f"{url} answered as expected", f"{url}이(가) 기대대로 응답했습니다", *evidence)
