"""What the kinds that read a file or a body share (image_file, container_file, http): the
read cap and its schema, how content is shown as evidence, and the verdict on a file's content."""
from __future__ import annotations

from .. import match
from ..engine import FILE_CAP
from ..model import Outcome
from ..text import Text, _, join, ngettext, verbatim
from .base import failed

DEFAULT_CAP = FILE_CAP


def max_bytes(what: str) -> dict:
    """The `max_bytes` parameter: read at most this much of `what` (default 1 MB, at most 16 MB)."""
    return {"type": "integer", "minimum": 1, "maximum": 16_000_000,
            "description": f"Read at most this much{what} (default 1 MB)."}


def shown(data: bytes) -> str:
    """A file's content for evidence: decoded, quoted, at most 200 characters."""
    text = data.decode("utf-8", "replace")
    return repr(text if len(text) <= 200 else text[:200] + "...")


def prefixed(prefix: str, line: Text) -> Text:
    """An evidence line about one of several objects: `web: content: 'hello'`."""
    return join([verbatim(prefix), line], ": ")


def judge(got, params: dict, cap: int, where: Text, prefix: str = "") -> tuple[Outcome | None, list[Text]]:
    """The verdict on a file read from `where` (an image or a container): a failed outcome, or
    None with the evidence when it exists and holds `content` / `matches`. With a `prefix` (the
    container's name), each evidence line starts with it."""
    path = params["path"]

    def line(text: Text) -> Text:
        return prefixed(prefix, text) if prefix else text

    if got is None:
        return failed(_("{path} does not exist in {where}", path=path, where=where),
                      line(_("no {path}", path=path))), []
    if got.is_dir:
        return failed(_("{path} in {where} is a directory, not a file", path=path, where=where)), []
    text = got.content.decode("utf-8", "replace")
    evidence = [line(ngettext("{path}: {n} byte", "{path}: {n} bytes", got.size, path=path)),
                line(_("content: {content}", content=shown(got.content)))]
    if got.truncated:
        evidence.append(line(ngettext("read only the first {n} byte", "read only the first {n} bytes", cap)))
    if "content" in params and (got.truncated or text != params["content"]):
        return failed(_("{path} in {where} does not hold the expected content", path=path, where=where),
                      *evidence), evidence
    if "matches" in params and not match.search(params["matches"], text):
        return failed(_("{path} in {where} does not match /{pattern}/", path=path, where=where,
                        pattern=params["matches"]), *evidence), evidence
    return None, evidence
