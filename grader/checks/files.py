"""What the kinds that read a file or a body share (image_file, container_file, http): the
read cap and its schema, how content is shown as evidence, and the verdict on a file's content."""
from __future__ import annotations

from .. import match
from ..engine import FILE_CAP
from ..model import Outcome
from ..text import Text
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


def judge(got, params: dict, cap: int, where: Text, prefix: str = "") -> tuple[Outcome | None, list[str]]:
    """The verdict on a file read from `where` (an image or a container): a failed outcome, or
    None with the evidence when it exists and holds `content` / `matches`."""
    path = params["path"]
    if got is None:
        return failed(f"{path} does not exist in {where.en}", f"{where.ko}에 {path} 파일이 없습니다",
                      f"{prefix}no {path}"), []
    if got.is_dir:
        return failed(f"{path} in {where.en} is a directory, not a file",
                      f"{where.ko}의 {path}은(는) 파일이 아니라 디렉터리입니다"), []
    text = got.content.decode("utf-8", "replace")
    evidence = [f"{prefix}{path}: {got.size} bytes", f"{prefix}content: {shown(got.content)}"]
    if got.truncated:
        evidence.append(f"{prefix}read only the first {cap} bytes")
    if "content" in params and (got.truncated or text != params["content"]):
        return failed(f"{path} in {where.en} does not hold the expected content",
                      f"{where.ko}의 {path} 내용이 기대와 다릅니다", *evidence), evidence
    if "matches" in params and not match.search(params["matches"], text):
        return failed(f"{path} in {where.en} does not match /{params['matches']}/",
                      f"{where.ko}의 {path} 내용이 /{params['matches']}/에 맞지 않습니다", *evidence), evidence
    return None, evidence
