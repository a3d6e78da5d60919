"""Engine: a thin, read-only view of one Docker Engine for the length of a grading run.

Translates every failure into EngineError (never a traceback), memoises what checks share
(each answer computed once per run, even when two workers ask for it at once), and owns the
grader's probe containers (probes.py). Connecting is connection.py's; what check kinds may call
is protocol.py's.
"""
from __future__ import annotations

import math
import re
import threading
import uuid
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from .. import refs
from ..text import Text, _, join, verbatim
from .errors import OBJECT_FAULTS, EngineError, ObjectError
from .journal import Journal
from .probes import LOG_TAIL, Probes, is_probe
from .protocol import ANY_IP

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

DEFAULT_TIMEOUT = 10.0  # seconds per API call; docker's own 60 s is too long at a prompt
LOG_HEAD = 64_000  # bytes of start-up output read before the tail; long logs are never read whole
EXIT_CODES = [str(code) for code in range(256)]  # every exit code a Linux process can end with
# A listing's state of a container never started: Docker's, and the one Podman's libpod may give.
NEVER_STARTED = frozenset({"created", "configured"})
_ID_LIKE = re.compile(r"[0-9a-f]{12,64}")  # an image named by its (short) id, not by a name


class Engine(Probes):
    """The read API check kinds use (see protocol.EngineProtocol), memoised per run."""

    def __init__(self, api, address: str, version: dict):
        self.api = api
        self.address = address
        self.info = {
            "address": address,
            "server_version": version.get("Version", ""),
            "api_version": api.api_version,
            "os": version.get("Os", ""),
            "arch": version.get("Arch", ""),
        }
        # Podman's Docker-compatible API names itself in its components ("Podman Engine").
        self._podman = any("podman" in str(c.get("Name", "")).lower() for c in version.get("Components") or ())
        self.run_id = uuid.uuid4().hex[:12]
        self._memo: dict[Hashable, Future[Any]] = {}
        self._memo_lock = threading.Lock()
        self._probes: set[str] = set()
        self._probes_lock = threading.Lock()
        self._closed = False  # after cleanup() no new probe may start
        self._inspected: dict[str, dict] = {}  # this run's image inspect answers, by bare id
        self.journal = Journal(address, self.run_id)

    # ---- plumbing ------------------------------------------------------------------------------

    def call(self, fn, *args, missing=None, about: Text | None = None, **kwargs) -> Any:
        """Call the API; 404 gives `missing`, any other failure raises EngineError. With `about`
        (what the call does with a student's object, e.g. "starting a probe of web-ping"), an
        answer that blames that object (any 4xx, or a 5xx naming a runtime error such as
        "executable file not found") raises ObjectError instead."""
        import docker
        import requests

        from .connection import failure_summary

        try:
            return fn(*args, **kwargs)
        except docker.errors.NotFound:
            return missing
        except docker.errors.APIError as e:
            if e.status_code == 404:
                return missing
            said = str(e.explanation or e)
            if about is not None and (400 <= (e.status_code or 0) < 500 or OBJECT_FAULTS.search(said)):
                raise ObjectError(join([about, verbatim(said)], ": ")) from None
            # NOTE: {error} is the engine's own message, in English.
            raise EngineError(_("the Docker Engine failed: {error}", error=said), self.address) from None
        except (docker.errors.DockerException, requests.RequestException, OSError) as e:
            raise EngineError(_("lost the Docker Engine at {address}: {error}", address=self.address,
                                error=failure_summary(e)), self.address) from None

    def _memoised(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """compute() once per key: the first worker to ask computes, the others wait for its
        answer (two workers must not start two probes for one file). A failure is not kept:
        those waiting get it, and the next to ask tries again."""
        with self._memo_lock:
            slot = self._memo.get(key)
            mine = slot is None
            if slot is None:
                slot = self._memo[key] = Future()
        if not mine:
            return slot.result()
        try:
            value = compute()
        except BaseException as e:
            with self._memo_lock:
                self._memo.pop(key, None)
            slot.set_exception(e)
            raise
        slot.set_result(value)
        return value

    # ---- watching: what changed, and forgetting what it changes -------------------------------

    def events(self):
        """The engine's event stream from now on (events.EventStream), for `grade LAB --watch`."""
        from .events import EventStream

        return EventStream(self)

    def forget(self, kinds) -> None:
        """Drop the memoised answers that a change to these kinds of object (image, container,
        volume, network) can make stale, so the next grading asks the engine again. Answers
        about one image id (its history, its files) never go stale: an id names fixed content."""
        kinds = set(kinds)
        with self._memo_lock:
            if "image" in kinds:
                # Inspect answers by id answer other names of the image (_inspected_as); their names
                # and digests change with tags, pushes and pulls, as the memoised inspects do.
                self._inspected.clear()
            for key in list(self._memo):
                head = str(key[0] if isinstance(key, tuple) and key else key)
                if head in _FIXED:
                    continue
                if kinds & _STALE_AFTER.get(head, kinds):  # a key not listed: always dropped
                    del self._memo[key]

    def reopen(self) -> None:
        """Let probes start again after cleanup() ended a grading that ran out of time: a watch
        goes on grading with the same engine."""
        with self._probes_lock:
            self._closed = False

    def image_names(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Every image name (refs.key) with its image's bare id and digests, read now (never
        memoised): a watch compares two of these to see which names a change touched."""
        listed = self.call(self.api.images, missing=[]) or []
        out: dict[str, tuple[str, tuple[str, ...]]] = {}
        for img in listed:
            digests = tuple(sorted(d for d in img.get("RepoDigests") or () if d and not d.startswith("<none>")))
            for tag in img.get("RepoTags") or ():
                if tag and not tag.startswith("<none>"):
                    out[refs.key(tag)] = (refs.bare_id(img.get("Id") or ""), digests)
        return out

    # ---- images --------------------------------------------------------------------------------

    def image(self, ref: str) -> dict | None:
        """Inspect an image by reference, resolved by the engine itself; kept only when the
        reference is the image's id (or a prefix typed as one) or one of its names under the
        engine's own naming (refs.key: Docker's docker.io/library/, Podman's localhost/)."""
        def compute():
            known = self._inspected_as(ref)
            if known is not None:
                return known
            attrs = self.call(self.api.inspect_image, ref)
            short = refs.key(ref)
            if attrs is None and ref.startswith(("docker.io/", "index.docker.io/", "localhost/")) and "@" not in ref:
                # Podman resolves only its own names: docker.io/library/web-ping:latest is not
                # found there when it has localhost/web-ping:latest, but web-ping:latest is.
                attrs = self.call(self.api.inspect_image, short)
            if attrs is None or not self._names_image(ref, attrs):
                return None
            with self._memo_lock:
                self._inspected[refs.bare_id(attrs.get("Id") or "")] = attrs
            return attrs
        return self._memoised(("image", ref), compute)

    def _inspected_as(self, ref: str) -> dict | None:
        """The answer of an inspect made this run under another name of the image `ref` names,
        found without asking the engine: `ref` is that image's full id, or a tag that the image
        listing (if it was made already) gives that image, and that answer still names it. An
        image with thousands of tags costs the engine milliseconds per inspect, and checks name
        one image in several ways (diamol/ch03-web-ping, web-ping:fill-3, sha256:...)."""
        with self._memo_lock:
            listing = self._memo.get(("images",))
            inspected = self._inspected
        attrs = None
        bare = refs.bare_id(ref)
        if re.fullmatch(r"[0-9a-f]{64}", bare):
            attrs = inspected.get(bare)
        elif "@" not in ref and listing is not None and listing.done() and listing.exception() is None:
            want = refs.key(ref)
            ids = {refs.bare_id(i) for i, _, key in self._keyed_tags(refs.repository(ref)) if key == want}
            attrs = inspected.get(ids.pop()) if len(ids) == 1 else None
        return attrs if attrs is not None and self._names_image(ref, attrs) else None

    @staticmethod
    def _names_image(ref: str, attrs: dict) -> bool:
        image_id = refs.bare_id(attrs.get("Id") or "")
        if ref.startswith("sha256:"):
            return image_id.startswith(refs.bare_id(ref))
        if _ID_LIKE.fullmatch(ref) and image_id.startswith(ref):
            return True  # an id (a short one from `docker image ls` too), typed as such
        want = refs.key(ref)
        listed = [*(attrs.get("RepoTags") or ()), *(attrs.get("RepoDigests") or ())]
        if want in listed:
            return True  # as Docker lists names; refs.key keeps such a name as it is
        # Else parse only the names that hold what follows want's last slash (refs.key keeps
        # that as typed): an image may have thousands of names.
        tail = want.rpartition("/")[2]
        return any(refs.key(n) == want for n in listed if n and tail in n and not n.startswith("<none>"))

    def _listed_images(self) -> list[dict]:
        """Every image, listed once per run: tags() and all_tags() filter it here, the same way
        on every engine (Podman's name filter and Docker's differ on localhost/ names)."""
        return self._memoised(("images",), lambda: self.call(self.api.images, missing=[]) or [])

    def _keyed_tags(self, repository: str | None = None) -> list[tuple[str, str, str]]:
        """(image id, repository, tag) of every tag in the one listing, or of one repository's
        tags, both as people type them (refs.repository_key, refs.key). An engine holding
        thousands of tags gets them parsed once per name, not once per tag: the tags of one
        repository share its name, and a tag can be of `repository` only if it contains that
        repository's last path part (refs keeps path parts as typed)."""
        def compute():
            want = None if repository is None else refs.repository_key(repository)
            part = None if want is None else want.rpartition("/")[2]
            named: dict[str, str] = {}  # a tag's name as listed -> its repository as people type it
            out = []
            for img in self._listed_images():
                for tag in img.get("RepoTags") or ():
                    if not tag or tag.startswith("<none>") or (part is not None and part not in tag):
                        continue
                    name, colon, version = tag.rpartition(":")
                    if colon and version and "/" not in version and "@" not in tag:
                        # NAME:TAG, the form engines list: refs.key is NAME's repository + the tag.
                        if name not in named:
                            named[name] = refs.repository_key(name)
                        repo, key = named[name], f"{named[name]}:{version}"
                    else:
                        repo, key = refs.repository_key(tag), refs.key(tag)
                    if want is None or repo == want:
                        out.append((img["Id"], repo, key))
            return out
        return self._memoised(("keyed-tags", repository), compute)

    def tags(self, repository: str) -> list[str]:
        """Every tag of one repository, as people type them (web-ping:v3, whichever engine)."""
        return self._memoised(("tags", repository),
                              lambda: sorted({key for _id, _repo, key in self._keyed_tags(repository)}))

    def tags_by_image(self, repository: str) -> dict[str, list[str]]:
        """The tags of one repository grouped by image id, from the one listing: thousands of
        tags of a few images cost a few history reads, not one inspect per tag. Newest image
        first (then by tag): a check that one passing tag satisfies judges the student's latest
        build first, and no other once it passes."""
        def compute():
            created = {img.get("Id"): img.get("Created") for img in self._listed_images()}
            out: dict[str, set] = {}
            for image_id, _repo, key in self._keyed_tags(repository):
                out.setdefault(image_id, set()).add(key)

            def order(group):
                when = created.get(group[0])
                return (-when if isinstance(when, (int, float)) else 0, min(group[1]))
            return {image_id: sorted(tags) for image_id, tags in sorted(out.items(), key=order)}
        return self._memoised(("tags-by-image", repository), compute)

    def history(self, image_id: str) -> list[dict]:
        """Newest entry first, as the engine gives it."""
        def compute():
            known = self._history_within(image_id)
            if known is not None:
                return known
            return self.call(self.api.history, image_id, missing=[]) or []
        return self._memoised(("history", image_id), compute)

    def _history_within(self, image_id: str) -> list[dict] | None:
        """An image's history as the tail of another history read this run. Docker gives each
        entry of a local image's parent chain (legacy builds, commits: the stand-ins, ch03-lab
        under ch03-lab-soln) that image's id, and from there on it lists that image's own
        history, tags included; histories of images with thousands of tags cost the engine tens
        of milliseconds each. Taken only if the entry was made when the image was (its inspect
        says): an entry Docker mislabels (a squashed build's) is not a history's start. Podman's
        entry ids are not image ids."""
        attrs = self._inspected.get(refs.bare_id(image_id))
        if self._podman or attrs is None or not image_id.startswith("sha256:"):
            return None
        created = _epoch(attrs.get("Created"))
        with self._memo_lock:
            read = [slot.result() for key, slot in self._memo.items()
                    if isinstance(key, tuple) and key[0] == "history" and slot.done()
                    and slot.exception() is None]
        for entries in read:
            for i, entry in enumerate(entries):
                if entry.get("Id") == image_id:
                    if created is not None and entry.get("Created") == created:
                        return entries[i:]
                    break
        return None

    # ---- containers ----------------------------------------------------------------------------

    def container(self, name: str) -> dict | None:
        """By exact name: inspect also resolves id prefixes, so the name is compared too."""
        def compute():
            attrs = self.call(self.api.inspect_container, name)
            if attrs is None or attrs.get("Name", "").lstrip("/") != name.lstrip("/"):
                return None
            return _portable_container(attrs)
        return self._memoised(("container", name), compute)

    def containers_from(self, *image_ids: str, started: bool | None = None) -> Containers:
        """Containers created from exactly these images (the engine's `ancestor` filter also
        matches children; each listing costs a pass over every container on the engine). Each is
        inspected only when a check gets to it: a check that stops at the first container passing
        does not inspect the thousands after it. Those that ran come first (newest first), listed
        on their own: an engine lists a few started containers quickly, while listing thousands
        of never-started ones costs it most of a second; they are listed only if needed.
        started=True: only those the listing says were started; False: only those it says never
        were (`docker container create` alone), whose state a check can judge without inspecting
        thousands of them; None: both.
        The filter names images by bare id, the one form both Docker and Podman accept (Podman
        ignores `sha256:<id>`); ids are compared with or without `sha256:`."""
        wanted = tuple(sorted({refs.bare_id(i) for i in image_ids if i}))
        if not wanted:
            return Containers(self, [])

        def ran() -> list[str]:
            if self._nothing_runs():
                # Then those that ran are those that exited. Docker compares every container's
                # state with each `status` value as a regular expression compiled anew, and
                # thousands of never-started containers pay that three times over; `exited=`
                # (every exit code a Linux process can give) it checks first, by number, and it
                # keeps only containers that ran and stopped (their state said by the listing).
                return [cid for cid, state in self._listed(wanted, exited=EXIT_CODES) if state == "exited"]
            # Statuses every engine (Docker, Podman) knows.
            return [cid for cid, _state in self._listed(wanted, status=["running", "exited", "paused"])]

        def every(keep: Callable[[str], bool]) -> Callable[[], list[str]]:
            return lambda: [cid for cid, state in self._listed(wanted) if keep(state)]

        if started is None:
            return Containers(self, [ran, every(lambda state: True)])  # the full listing adds the rest
        if started:
            return Containers(self, [ran, every(lambda state: state not in NEVER_STARTED)])
        return Containers(self, [every(lambda state: state in NEVER_STARTED)])

    def _listed(self, wanted: tuple[str, ...], **filters) -> list[tuple[str, str]]:
        """(id, state) of the containers created from the `wanted` bare image ids that the engine
        lists with these filters, newest first, never the grader's probes."""
        def compute():
            listed = self.call(self.api.containers, all=True,
                               filters={"ancestor": list(wanted), **filters}, missing=[]) or []
            # Newest first: Docker lists them so (to the nanosecond, which a stable sort by
            # the listing's seconds keeps), Podman in no set order.
            listed.sort(key=lambda c: -(c.get("Created") or 0))
            return [(c["Id"], str(c.get("State") or "")) for c in listed
                    if refs.bare_id(c.get("ImageID") or "") in wanted and not is_probe(c.get("Labels"))]
        return self._memoised(("from", wanted, tuple(sorted(filters))), compute)

    def containers_of_older(self, *names: str) -> list[dict]:
        """Containers created by typing one of these image names (`docker container run NAME`)
        that run another image than the name gives now: the name was rebuilt or re-tagged after
        the container was made. Their inspect data, newest first (at most 5), never the grader's
        probes. Asked only when no container of the image itself was found, to say why: it lists
        every container once, and Docker's listing names such a container by its image's id, so
        up to 20 of those are inspected for the name typed (Podman's listing keeps that name)."""
        typed_names = [n for n in names if n and not _ID_LIKE.fullmatch(refs.bare_id(n))]
        if not typed_names:
            return []
        wanted = {refs.key(n) for n in typed_names}
        current = {refs.bare_id(a.get("Id") or "") for a in map(self.image, typed_names) if a}

        def compute():
            listed = self.call(self.api.containers, all=True, missing=[]) or []
            listed.sort(key=lambda c: -(c.get("Created") or 0))
            return [(c["Id"], str(c.get("Image") or ""), refs.bare_id(c.get("ImageID") or "")) for c in listed
                    if not is_probe(c.get("Labels"))]

        found: list[dict] = []
        inspected = 0
        for cid, image, image_id in self._memoised(("all-containers",), compute):
            if image_id in current:
                continue
            if image and not _ID_LIKE.fullmatch(refs.bare_id(image)):
                if refs.key(image) not in wanted:
                    continue
            elif inspected >= 20:
                continue
            else:
                inspected += 1
            attrs = self.inspect_container(cid)
            typed = ((attrs or {}).get("Config") or {}).get("Image") or ""
            if attrs is not None and typed and refs.key(typed) in wanted:
                found.append(attrs)
                if len(found) == 5:
                    break
        return found

    def image_ids_are_configs(self) -> bool:
        """True when an image's id is the digest of its config, as a registry stores it (Docker's
        classic image store, Podman); False on Docker's containerd image store, whose ids are
        the digest of the image's manifest (or index). /info names the containerd snapshotter."""
        def compute():
            if self._podman:
                return True
            info = self.call(self.api.info) or {}
            status = dict(tuple(pair) for pair in info.get("DriverStatus") or () if len(pair) == 2)
            return not str(status.get("driver-type", "")).startswith("io.containerd.snapshotter")
        return self._memoised(("ids-are-configs",), compute)

    def _nothing_runs(self) -> bool:
        """True if a Docker Engine runs and pauses no container at all: its /info counts them
        without listing them, for a few milliseconds. Podman's /info costs it more than the
        listing it would spare (0.6 s against 0.3 s of CPU with 1,000 containers), so there: False."""
        def compute():
            if self._podman:
                return False
            info = self.call(self.api.info) or {}
            return info.get("ContainersRunning") == 0 and info.get("ContainersPaused") == 0
        return self._memoised(("nothing-runs",), compute)

    def inspect_container(self, container_id: str) -> dict | None:
        def compute():
            attrs = self.call(self.api.inspect_container, container_id)
            return None if attrs is None else _portable_container(attrs)
        return self._memoised(("inspect", container_id), compute)

    def logs(self, container_id: str, tail: int = LOG_TAIL) -> str:
        """The start of the logs (what an app prints at start-up) and their last `tail` lines."""
        about = _("its logs cannot be read")

        def compute():
            head = self.call(self._log_head, container_id, missing=b"", about=about) or b""
            if len(head) < LOG_HEAD:
                return head.decode("utf-8", "replace")  # that was all of it
            last = self.call(self.api.logs, container_id, stdout=True, stderr=True, tail=tail,
                             missing=b"", about=about) or b""
            return (head.decode("utf-8", "replace").rpartition("\n")[0] + "\n"
                    + last.decode("utf-8", "replace"))
        return self._memoised(("logs", container_id, tail), compute)

    def _log_head(self, container_id: str) -> bytes:
        stream = self.api.logs(container_id, stdout=True, stderr=True, stream=True, follow=False)
        chunks, size = [], 0
        try:
            for chunk in stream:
                chunks.append(chunk)
                size += len(chunk)
                if size >= LOG_HEAD:
                    break
        finally:
            stream.close()
        return b"".join(chunks)


    # ---- published ports, every tag ---------------------------------------------------------------

    def published_host(self) -> str:
        """Where the engine's published ports are reached from here: the host of a tcp://
        (or ssh://, http(s)://) engine address, e.g. GitLab's dind service `docker`; 127.0.0.1
        for an engine on a local socket."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.address if "://" in self.address else "tcp://" + self.address)
        if parts.scheme in ("tcp", "http", "https", "ssh") and parts.hostname:
            host = parts.hostname
            return "127.0.0.1" if host in ANY_IP else host
        return "127.0.0.1"

    def all_tags(self) -> list[str]:
        """Every tagged image reference on the engine, in the short form people type (the same
        on Docker and Podman: localhost/web-ping:latest is web-ping:latest)."""
        return self._memoised(("all-tags",), lambda: sorted({key for _id, _repo, key in self._keyed_tags()}))

    # ---- volumes -------------------------------------------------------------------------------

    def volume(self, name: str) -> dict | None:
        """A named volume's inspect data (Name, Driver, Mountpoint, CreatedAt), or None."""
        return self._memoised(("volume", name), lambda: self.call(self.api.inspect_volume, name))

    def volume_users(self, name: str) -> list[str]:
        """Ids of the containers (running or not, never the grader's probes) that mount a volume."""
        def compute():
            listed = self.call(self.api.containers, all=True, filters={"volume": name}, missing=[]) or []
            return [c["Id"] for c in listed if not is_probe(c.get("Labels"))]
        return self._memoised(("volume-users", name), compute)


# Which memoised answers a change to which kinds of object can make stale (Engine.forget).
# Keyed by an image id, whose content never changes, or said of the engine's image store.
_FIXED = {"history", "file", "ids-are-configs"}
_ANY = {"image", "container", "volume", "network"}
_STALE_AFTER = {
    "image": {"image"}, "images": {"image"}, "tags": {"image"}, "tags-by-image": {"image"},
    "all-tags": {"image"},
    "container": {"container", "network"}, "inspect": {"container", "network"},
    "from": {"container", "image"}, "all-containers": {"container", "image"},
    "volume": {"volume"}, "volume-users": {"volume", "container"},
    # What a running container writes changes with no event at all: read again after any change.
    "logs": _ANY, "container-file": _ANY, "volume-file": _ANY, "volume-names": _ANY,
}


class Containers:
    """Containers' inspect data from listings made in turn, each listing made and each container
    inspected only when iteration gets there (see containers_from). A container in two listings
    comes once; one removed between its listing and its inspection is skipped."""

    def __init__(self, engine: Engine, listings: list):
        self._engine = engine
        self._listings = list(listings)
        self._ids: list[str] = []
        self._lock = threading.Lock()

    def _ids_upto(self, upto: float) -> list[str]:
        """The ids listed so far, after making listings in turn until there are more than `upto`
        or no listing is left."""
        with self._lock:
            while len(self._ids) <= upto and self._listings:
                seen = set(self._ids)
                self._ids += [cid for cid in self._listings.pop(0)() if cid not in seen]
            return self._ids

    def _id(self, i: int) -> str | None:
        ids = self._ids_upto(i)
        return ids[i] if i < len(ids) else None

    def __iter__(self):
        i = 0
        while (cid := self._id(i)) is not None:
            attrs = self._engine.inspect_container(cid)
            if attrs is not None:
                yield attrs
            i += 1

    def __bool__(self) -> bool:
        return self._id(0) is not None

    def __len__(self) -> int:
        """How many there are, listed but not inspected."""
        return len(self._ids_upto(math.inf))


def _epoch(created) -> int | None:
    """Seconds since 1970 of an inspect's `Created` (2024-05-01T12:00:00.123456789Z), the unit of
    a history entry's; None if it is not in that form."""
    from datetime import datetime, timezone

    if not isinstance(created, str) or not created.endswith("Z"):
        return None
    try:
        return int(datetime.strptime(created[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())
    except ValueError:
        return None


def _portable_container(attrs: dict) -> dict:
    """A container's inspect data with the image it was created from named as people type it:
    Docker keeps what was typed (diamol/base), Podman the full name it resolved
    (localhost/diamol/base:latest, docker.io/library/nginx:latest)."""
    config = attrs.get("Config") or {}
    typed = config.get("Image")
    if isinstance(typed, str) and typed.startswith((refs.LOCAL_DOMAIN + "/", refs.DEFAULT_DOMAIN + "/")):
        attrs = {**attrs, "Config": {**config, "Image": refs.key(typed)}}
    return attrs

