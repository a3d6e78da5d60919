"""Probes: the only containers grading creates (to read an image's files, or to run it), each
written in the journal while it lives so that a killed run's probes are removed by the next."""
from __future__ import annotations

import tarfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, cast

from .. import match
from ..text import Text, _
from .errors import EngineError, ObjectError
from .journal import Journal
from .protocol import FILE_CAP, PROBE_OUTPUT, FileRead, ProbeResult

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

PROBE_LABEL = "org.grade.probe"
RUN_LABEL = "org.grade.run"
STARTED_LABEL = "org.grade.started"
LOG_TAIL = 200
PROBE_NANO_CPUS = 500_000_000  # 0.5 CPU
PROBE_TMPFS = "rw,nosuid,nodev,size=16m"
NAMES_CAP = 1_000  # names of one folder listed at most
NAMES_BYTES = 64_000_000  # bytes of a folder's archive read at most while listing it


def is_probe(labels) -> bool:
    return bool(labels) and PROBE_LABEL in labels


# A probe only read through the archive API is never started, so whose it is does not matter;
# root by number, because Podman resolves the image's USER when the container is created and a
# student's `USER nosuchuser` would otherwise hide the image's files from the grader.
NEVER_STARTED_USER = "0"


class Probes:
    """The probe half of Engine: it needs the API client, `call`, the memo and a run id."""

    api: Any
    address: str
    run_id: str
    journal: Journal
    _probes: set[str]
    _probes_lock: threading.Lock
    _closed: bool

    if TYPE_CHECKING:  # Engine's own (api.py)
        def call(self, fn, *args, missing=None, about: Text | None = None, **kwargs) -> Any: ...

        def _memoised(self, key: Hashable, compute: Callable[[], Any]) -> Any: ...


    def _labels(self) -> dict:
        return {PROBE_LABEL: "1", RUN_LABEL: self.run_id, STARTED_LABEL: str(int(time.time()))}

    def _create_probe(self, image: str, mounts: list | None = None, **kwargs) -> str:
        # Bounded like a guest: half a CPU (a busy loop must not take the student's machine), and
        # nothing written to the engine's storage: the image's files are read-only, and /tmp is a
        # small tmpfs in memory (counted in the 256 MB) for programs that need scratch space.
        # `mounts` (read-only ones, for reading a volume) are the only thing a caller may add.
        host_config = self.api.create_host_config(
            network_mode="none", mem_limit="256m", memswap_limit="256m", pids_limit=128,
            nano_cpus=PROBE_NANO_CPUS, read_only=True, tmpfs={"/tmp": PROBE_TMPFS},
            cap_drop=["ALL"], security_opt=["no-new-privileges"], auto_remove=False,
            **({"mounts": mounts} if mounts else {}))
        created = self.call(self.api.create_container, image, labels=self._labels(),
                            host_config=host_config, network_disabled=True, **kwargs)
        if created is None:
            raise EngineError(_("image {image} vanished while grading", image=image), self.address)
        cid = created["Id"]
        with self._probes_lock:
            closed = self._closed
            if not closed:
                self._probes.add(cid)
                self.journal.add(cid)
        if closed:
            self._remove_probe(cid)
            raise EngineError(_("grading was interrupted"), self.address)
        return cid

    def _remove_probe(self, cid: str) -> None:
        try:
            self.api.remove_container(cid, force=True, v=True)
        except Exception:  # already gone, or the engine died: cleanup() and the next run retry
            return
        with self._probes_lock:
            self._probes.discard(cid)

    def cleanup(self) -> None:
        """Remove every probe this run still owns (after Ctrl-C or SIGTERM)."""
        with self._probes_lock:
            self._closed = True
            left = list(self._probes)
        for cid in left:
            self._remove_probe(cid)
        self.close()

    def close(self) -> None:
        """The run is over: if every probe is gone, the journal goes too (else the next run retries)."""
        with self._probes_lock:
            done = not self._probes
        if done:
            self.journal.close()

    def read_file(self, image_id: str, path: str, cap: int = FILE_CAP) -> FileRead | None:
        """Read a file from an image through the archive API: the container is never started."""
        def compute():
            cid = self._create_probe(image_id, entrypoint=["/.grade-never-started"], command=[],
                                     user=NEVER_STARTED_USER)
            try:
                return self._read_archive(cid, path, cap)
            finally:
                self._remove_probe(cid)
        return self._memoised(("file", image_id, path, cap), compute)

    def read_volume_file(self, volume: str, path: str, image: str, cap: int = FILE_CAP) -> FileRead | None:
        """Read a file inside a named volume: a created, never-started probe of `image` mounts the
        volume read-only (no copy of the image's files into it) at /.grade-volume, and the archive
        API reads it there. `path` is relative to the volume's root. Only call it for a volume
        that exists: creating a container with an unknown volume name would create that volume."""
        return self._memoised(("volume-file", volume, path, image, cap),
                              lambda: self._in_volume(volume, image, lambda cid, where: self._read_archive(
                                  cid, where + "/" + path.lstrip("/"), cap)))

    def volume_names(self, volume: str, folder: str, image: str) -> list[str] | None:
        """The names directly in a folder of a named volume ('' for its root), a folder's with a
        trailing /, sorted; None if there is no such folder. Read as read_volume_file reads; the
        archive holds the files' contents too, so at most NAMES_BYTES of it is read (a few
        names may then be missing) and at most NAMES_CAP names are kept."""
        return self._memoised(("volume-names", volume, folder, image),
                              lambda: self._in_volume(volume, image, lambda cid, where: self._names(
                                  cid, (where + "/" + folder.strip("/")).rstrip("/") + "/")))

    def _in_volume(self, volume: str, image: str, read: Callable[[str, str], Any]) -> Any:
        """read(probe id, mount point) on a never-started probe of `image` that mounts the volume
        read-only (no copy of the image's files into it), removed afterwards."""
        from docker.types import Mount

        where = "/.grade-volume"
        mount = Mount(target=where, source=volume, type="volume", read_only=True, no_copy=True)
        cid = self._create_probe(image, mounts=[mount], entrypoint=["/.grade-never-started"], command=[],
                                 user=NEVER_STARTED_USER)
        try:
            return read(cid, where)
        finally:
            self._remove_probe(cid)

    def _names(self, container_id: str, folder: str) -> list[str] | None:
        """The names directly in a container's folder, from the folder's archive (see volume_names)."""
        got = self._archive(container_id, folder)
        if got is None:
            return None
        stream, stat = got
        if not _is_dir(stat):
            _close(stream)
            return None
        names: set[str] = set()
        with self._tar(stream) as (tar, reader):
            root = None  # the folder itself comes first, named as its last part (or `.`)
            for member in tar:
                name = member.name.strip("/")
                if root is None:
                    root = name
                    continue
                rest = name[len(root) + 1:] if name.startswith(root + "/") else name.removeprefix("./")
                if rest and "/" not in rest:
                    names.add(rest + ("/" if member.isdir() else ""))
                if len(names) >= NAMES_CAP or reader.read_so_far > NAMES_BYTES:
                    break
        return sorted(names)

    def _read_archive(self, container_id: str, path: str, cap: int) -> FileRead | None:
        """One path of a container's file system through the archive API; None if it is not there."""
        got = self._archive(container_id, path)
        if got is None:
            return None
        stream, stat = got
        if _is_dir(stat):
            _close(stream)
            return FileRead(size=stat.get("size", 0), content=b"", truncated=False, is_dir=True)
        with self._tar(stream) as (tar, _reader):
            member = tar.next()
            if member is not None and member.issym():
                return FileRead(size=0, content=("-> " + member.linkname).encode(), truncated=False)
            handle = tar.extractfile(member) if member is not None else None
            data = handle.read(cap + 1) if handle is not None else b""
        return FileRead(size=stat.get("size", 0), content=data[:cap], truncated=len(data) > cap)

    def _archive(self, container_id: str, path: str):
        """(stream, stat) of a path's archive, None if the path is not there."""
        return self.call(self.api.get_archive, container_id, path, about=_("{path} cannot be read", path=path))

    @contextmanager
    def _tar(self, stream) -> Iterator[tuple[tarfile.TarFile, _StreamReader]]:
        """The archive stream read as a tar file as far as the caller reads it, then closed; an
        answer that is not a tar file blames the object read, a broken stream the engine."""
        reader = _StreamReader(stream)
        try:
            with tarfile.open(fileobj=cast(IO[bytes], reader), mode="r|") as tar:
                yield tar, reader
        except tarfile.TarError as e:  # the engine answered with something that is not the file
            raise ObjectError(_("could not read the file archive: {error}", error=str(e))) from None
        except OSError as e:
            raise EngineError(_("could not read the file archive: {error}", error=str(e)), self.address) from None
        finally:
            reader.close()

    def probe(self, image: str, env: dict | None = None, command: list | None = None,
              expect: str | None = None, timeout: float = 10.0) -> ProbeResult:
        """Run the image until its output matches `expect`, it exits, or `timeout` passes."""
        start = time.monotonic()
        kwargs: dict[str, Any] = {"environment": env or None}
        if command:
            kwargs["command"] = command
        cid = self._create_probe(image, **kwargs)
        chunks: list[bytes] = []
        done = threading.Event()
        matched = threading.Event()
        overflowed = threading.Event()

        def read():
            try:
                for chunk in self.api.logs(cid, stream=True, follow=True, stdout=True, stderr=True):
                    chunks.append(chunk)
                    if expect and match.search(expect, b"".join(chunks).decode("utf-8", "replace"), True):
                        matched.set()
                        break
                    if sum(map(len, chunks)) > PROBE_OUTPUT:
                        overflowed.set()
                        break
            except Exception:  # the stream ends when the probe is removed; nothing to report
                pass
            finally:
                done.set()

        try:
            self.call(self.api.start, cid, about=_("the container could not start"))
            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            finished = done.wait(timeout)
            exit_code = None
            # A probe that printed too much may still be running: it is not waited for.
            if finished and not matched.is_set() and not overflowed.is_set():
                waited = self.call(self.api.wait, cid, timeout=max(1.0, timeout))
                exit_code = waited.get("StatusCode") if waited else None
                # Output written just before exit may arrive after the stream closed.
                tail = self.call(self.api.logs, cid, stdout=True, stderr=True, tail=LOG_TAIL)
                if tail:
                    chunks[:] = [tail]
                    if expect and match.search(expect, tail.decode("utf-8", "replace"), True):
                        matched.set()
        finally:
            self._remove_probe(cid)
        return ProbeResult(
            output=b"".join(chunks).decode("utf-8", "replace"),
            exit_code=exit_code,
            matched=matched.is_set(),
            timed_out=not finished,
            seconds=time.monotonic() - start,
            overflowed=overflowed.is_set(),
        )

    def remove_orphans(self) -> int:
        """Remove the probes that killed earlier runs on this machine left on this engine: the ids
        their journals name, each removed only if it still carries the probe label."""
        removed = 0
        for path, ids in self.journal.leftovers():
            left = False
            for cid in ids:
                attrs = self.call(self.api.inspect_container, cid)
                if attrs is None or PROBE_LABEL not in ((attrs.get("Config") or {}).get("Labels") or {}):
                    continue  # gone already, or not ours: never touch an unlabelled container
                try:
                    self.api.remove_container(cid, force=True, v=True)
                    removed += 1
                except Exception:  # noqa: BLE001 - the engine refused: keep the journal, retry next run
                    left = True
            if not left:
                path.unlink(missing_ok=True)
        return removed

    # ---- containers' own files, published ports, every tag --------------------------------------

    def read_container_file(self, container_id: str, path: str, cap: int = FILE_CAP) -> FileRead | None:
        """Read a file from a container (running or stopped) through the archive API, as it is
        now in the container, not in its image. None if the path does not exist."""
        return self._memoised(("container-file", container_id, path, cap),
                              lambda: self._read_archive(container_id, path, cap))


def _is_dir(stat: dict) -> bool:
    return bool(stat.get("mode", 0) & (1 << 31))  # Go's os.ModeDir, in the archive's stat header


def _close(stream) -> None:
    close = getattr(stream, "close", None)
    if close:
        close()


class _StreamReader:
    """A file-like view of the archive stream, so tarfile reads only what it needs."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buf = b""
        self._source = chunks
        self.read_so_far = 0  # bytes handed to the reader

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buf) < n:
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                break
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        self.read_so_far += len(out)
        return out

    def close(self):
        close = getattr(self._source, "close", None)
        if close:
            close()
