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
from ..text import Text, _, join, ngettext, verbatim
from .base import REGEX, Check, failed, passed, regex_problems, register
from .files import DEFAULT_CAP, max_bytes, shown
from .lookup import LOOKUP, LOOKUP_SCHEMA, lookup_text, name_of, select
from .ports import bindings, describe_bindings

MAX_TIMEOUT = 30


def get(url: str, timeout: float, cap: int, method: str = "GET",
        headers: dict | None = None) -> tuple[int | None, bytes, bool, Text | None]:
    """(status, body up to cap, truncated, error): status None when nothing answered; error None
    when the answer came whole.

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

    def failure(e: Exception) -> Text:  # the library's own words, as they are
        return verbatim(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)

    seconds = f"{timeout:g}"

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
                return None, b"", False, _("timed out: no answer within {seconds} s", seconds=seconds)
            return None, b"", False, failure(e)
        status = response.status
        data = bytearray()
        try:
            while len(data) <= cap:
                chunk = response.read(min(65536, cap + 1 - len(data)))
                if not chunk:
                    break
                data += chunk
            if expired.is_set():
                return status, b"", False, _("timed out: the body did not arrive within {seconds} s", seconds=seconds)
        except (OSError, http.client.HTTPException) as e:  # the answer broke off after the status
            if expired.is_set():
                return status, b"", False, _("timed out: the body did not arrive within {seconds} s", seconds=seconds)
            return status, b"", False, failure(e)
        return status, bytes(data[:cap]), len(data) > cap, None
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
            out.append((("serves_file",), _("`serves_file` needs the container: give `name` or `image`")))
        if "state" in params and "name" not in params and "image" not in params:
            out.append((("state",), _("`state` needs the container: give `name` or `image`")))
        return out

    def _has_container(self) -> bool:
        return "name" in self.params or "image" in self.params

    def _request(self) -> str:
        return f"GET :{self.params['port']}{self.params.get('path', '/')}"

    def expectation(self) -> Text:
        p = self.params
        wants = [_("status {status}", status=p.get("status", 200))]
        if "matches" in p:
            wants.append(_("a body matching /{pattern}/", pattern=p["matches"]))
        if "not_matches" in p:
            wants.append(_("a body not matching /{pattern}/", pattern=p["not_matches"]))
        if "serves_file" in p:
            wants.append(_("the body is {path} of the container", path=p["serves_file"]))
        answer = join(wants, ", ")
        if self._has_container():
            return _("`{request}` on the engine's host answers with {answer}; served by: {container}",
                     request=self._request(), answer=answer, container=lookup_text(p))
        return _("`{request}` on the engine's host answers with {answer}", request=self._request(), answer=answer)

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        port, path = p["port"], p.get("path", "/")
        serving = []
        if self._has_container():
            found, why = select(engine, {k: p[k] for k in LOOKUP if k in p})
            if why is not None:  # none found
                return why
            serving = [a for a in found if any(hp == str(port) for binds in bindings(a)[0].values()
                                               for _ip, hp in binds)]
            if not serving:
                return failed(_("no such container publishes host port {port}", port=port),
                              *(describe_bindings(a) for a in found[:10]))
        host = engine.published_host()
        url = f"http://{'[' + host + ']' if ':' in host else host}:{port}{path}"
        cap = p.get("max_bytes", DEFAULT_CAP)
        status, body, truncated, error = get(url, p.get("timeout", 5), cap)
        evidence: list[Text] = [verbatim(f"GET {url}")]
        if status is None:
            evidence.append(_("no answer: {error}", error=error or ""))
            return failed(_("nothing answered at {url}: {error}", url=url, error=error or ""), *evidence)
        evidence += [_("status: {status}", status=status),
                     ngettext("body: {n} byte (truncated)", "body: {n} bytes (truncated)", len(body)) if truncated
                     else ngettext("body: {n} byte", "body: {n} bytes", len(body)),
                     _("body: {content}", content=shown(body))]
        if error:
            evidence.append(_("the answer broke off: {error}", error=error))
        want = p.get("status", 200)
        if status != want:
            return failed(_("{url} answered {status}, not {wanted}", url=url, status=status, wanted=want), *evidence)
        text = body.decode("utf-8", "replace")
        if "matches" in p and not match.search(p["matches"], text):
            return failed(_("the page at {url} does not match /{pattern}/", url=url, pattern=p["matches"]),
                          *evidence)
        if "not_matches" in p and match.search(p["not_matches"], text):
            return failed(_("the page at {url} still matches /{pattern}/", url=url, pattern=p["not_matches"]),
                          *evidence)
        if "serves_file" in p:
            file_path = p["serves_file"]
            for attrs in serving:
                got = engine.read_container_file(attrs["Id"], file_path, cap)
                if got is None or got.is_dir:
                    evidence.append(_("{name}: no file {path}", name=name_of(attrs), path=file_path))
                    continue
                evidence.append(verbatim(f"{name_of(attrs)}: {file_path}: {shown(got.content)}"))
                if got.content == body and got.truncated == truncated:
                    return passed(_("{url} serves {path} of container {name}", url=url, path=file_path,
                                    name=name_of(attrs)), *evidence)
            return failed(_("the page at {url} is not {path} of the container", url=url, path=file_path),
                          *evidence)
        return passed(_("{url} answered as expected", url=url), *evidence)
