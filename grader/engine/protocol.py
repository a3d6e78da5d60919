"""What check kinds may ask of an engine, typed in one place.

Kinds type their `engine` against EngineProtocol, so a kind can be tested against a fake built
from captured inspect data (tests/unit) as well as graded on a real engine (api.Engine).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional, Protocol

FILE_CAP = 1_000_000  # bytes of a file read at most (image_file, container_file, draft)
PROBE_OUTPUT = 64_000  # bytes of a probe's output read at most
ANY_IP = ("", "0.0.0.0", "::")  # a published port's host address meaning every interface


@dataclass
class ProbeResult:
    output: str
    exit_code: Optional[int]
    matched: bool
    timed_out: bool
    seconds: float
    overflowed: bool = False  # printed more than PROBE_OUTPUT without the expected line


@dataclass
class FileRead:
    size: int
    content: bytes
    truncated: bool
    is_dir: bool = False


class Candidates(Protocol):
    """Containers' inspect data, read as iteration gets to each; len() counts them unread."""

    def __iter__(self) -> Iterator[dict]: ...

    def __len__(self) -> int: ...


class EngineProtocol(Protocol):
    """The read API of one engine for one grading run. Each method answers None (or empty) for
    what is not there, raises EngineError when the engine fails and ObjectError when one student
    object cannot be used."""

    info: dict[str, Any]

    def image(self, ref: str) -> Optional[dict]: ...

    def tags(self, repository: str) -> list[str]: ...

    def tags_by_image(self, repository: str) -> dict[str, list[str]]: ...

    def all_tags(self) -> list[str]: ...

    def history(self, image_id: str) -> list[dict]: ...

    def container(self, name: str) -> Optional[dict]: ...

    def containers_from(self, *image_ids: str, started: Optional[bool] = None) -> Candidates: ...

    def containers_of_older(self, *names: str) -> list[dict]: ...

    def image_ids_are_configs(self) -> bool: ...

    def inspect_container(self, container_id: str) -> Optional[dict]: ...

    def logs(self, container_id: str, tail: int = ...) -> str: ...

    def read_file(self, image_id: str, path: str, cap: int = ...) -> Optional[FileRead]: ...

    def read_container_file(self, container_id: str, path: str, cap: int = ...) -> Optional[FileRead]: ...

    def volume(self, name: str) -> Optional[dict]: ...

    def volume_users(self, name: str) -> list[str]: ...

    def read_volume_file(self, volume: str, path: str, image: str, cap: int = ...) -> Optional[FileRead]: ...

    def volume_names(self, volume: str, folder: str, image: str) -> Optional[list[str]]: ...

    def probe(self, image: str, env: Optional[dict] = None, command: Optional[list] = None,
              expect: Optional[str] = None, timeout: float = 10.0) -> ProbeResult: ...

    def published_host(self) -> str: ...
