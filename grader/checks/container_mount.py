"""container_mount: a container has a mount: a bind mount of a host path, a named volume or a
tmpfs, at a destination, read-only or not (`--mount`, `--volume`, `--volumes-from`, `--tmpfs`; the
image's own `VOLUME` gives an anonymous volume). Read from the container's inspect data: `Mounts`,
and `HostConfig.Tmpfs` for the tmpfs mounts that `Mounts` leaves out (Docker's `--tmpfs`, and every
tmpfs on Podman, `--mount type=tmpfs` too).

The container is found as the `container` kind finds it; one of the candidates having such a
mount is enough.
"""
from __future__ import annotations

from ..text import Text
from .base import Check, failed, passed, register
from .container import LOOKUP_SCHEMA, lookup_problems, lookup_text, name_of, select

TYPES = ["bind", "volume", "tmpfs"]


def mounts_of(attrs: dict) -> list[dict]:
    """The container's mounts as `Mounts` lists them, with the tmpfs mounts only `HostConfig.Tmpfs`
    names (its value is the mount's options, `ro` among them when read-only)."""
    mounts = list(attrs.get("Mounts") or [])
    listed = {m.get("Destination") for m in mounts}
    for destination, options in ((attrs.get("HostConfig") or {}).get("Tmpfs") or {}).items():
        if destination not in listed:
            read_only = "ro" in str(options or "").split(",")
            mounts.append({"Type": "tmpfs", "Source": "", "Destination": destination, "RW": not read_only})
    return mounts


def describe(mount: dict) -> str:
    source = mount.get("Name") or mount.get("Source") or ""
    mode = "ro" if not mount.get("RW", True) else "rw"
    return f"{mount.get('Type', '?')} {source or '(none)'} -> {mount.get('Destination', '?')} ({mode})"


@register
class ContainerMount(Check):
    kind = "container_mount"
    reacts_to = frozenset({"container", "image"})  # see grader/watch.py
    schema = {
        **LOOKUP_SCHEMA,
        "type": {"enum": TYPES, "description": "bind (a host path), volume (named or anonymous) or tmpfs."},
        "destination": {"type": "string", "pattern": "^/", "description": "Where it is mounted in the container."},
        "source": {"type": "string", "minLength": 1,
                   "description": "A volume's name, or a bind mount's host path (exact)."},
        "read_only": {"type": "boolean", "description": "true: mounted read-only; false: read-write."},
    }

    @classmethod
    def problems(cls, params):
        return lookup_problems(params)

    def _want(self) -> Text:
        p = self.params
        kind = str(p.get("type", ""))
        what = {"bind": "a bind mount", "volume": "a volume", "tmpfs": "a tmpfs"}.get(kind, "a mount")
        what_ko = {"bind": "바인드 마운트", "volume": "볼륨", "tmpfs": "tmpfs"}.get(kind, "마운트")
        en, ko = [what], []
        if "source" in p:
            en.append(f"of {p['source']}")
        if "destination" in p:
            en.append(f"at {p['destination']}")
            ko.append(f"{p['destination']}에")
        if "source" in p:
            ko.append(f"{p['source']}의")
        if "read_only" in p:
            en.append("read-only" if p["read_only"] else "read-write")
            ko.append("읽기 전용" if p["read_only"] else "읽기/쓰기")
        ko.append(what_ko)
        return Text(" ".join(en), " ".join(ko))

    def expectation(self) -> Text:
        who, want = lookup_text(self.params), self._want()
        return Text(f"{who.en}: has {want.en}", f"{who.ko}: {want.ko}이(가) 있음")

    def _fits(self, mount: dict) -> str:
        """'' if the mount is the one wanted, else what differs."""
        p = self.params
        if "destination" in p and mount.get("Destination", "").rstrip("/") != p["destination"].rstrip("/"):
            return "destination"
        if "type" in p and mount.get("Type") != p["type"]:
            return "type"
        if "source" in p and p["source"] not in (mount.get("Name"), mount.get("Source")):
            return "source"
        if "read_only" in p and (not mount.get("RW", True)) != p["read_only"]:
            return "read_only"
        return ""

    def run(self, engine):
        found, why = select(engine, self.params)
        if not found:
            return why
        want = self._want()
        evidence, near = [], None
        for attrs in found:
            mounts = mounts_of(attrs)
            evidence.append(f"{name_of(attrs)}: " + ("; ".join(describe(m) for m in mounts) or "no mounts"))
            for mount in mounts:
                miss = self._fits(mount)
                if not miss:
                    name = name_of(attrs)
                    return passed(f"{name} has {want.en}", f"{name}에 {want.ko}이(가) 있습니다", evidence[-1])
                # A mount at the right place that is wrong in one way is what the student most needs to hear.
                if near is None and "destination" in self.params and miss != "destination":
                    near = (attrs, mount, miss)
        if near is not None:
            attrs, mount, miss = near
            name, dest = name_of(attrs), mount.get("Destination")
            said = {"type": (f"it is a {mount.get('Type')} mount", f"{mount.get('Type')} 마운트입니다"),
                    "source": (f"its source is {mount.get('Name') or mount.get('Source')}",
                               f"소스가 {mount.get('Name') or mount.get('Source')}입니다"),
                    "read_only": (("it is read-write (add `readonly` to --mount, or `:ro` to -v)",
                                   "읽기/쓰기로 마운트되었습니다(--mount에 `readonly`, -v에 `:ro`를 붙이세요)")
                                  if mount.get("RW", True) else ("it is read-only", "읽기 전용입니다"))}[miss]
            return failed(f"{name} mounts {dest}, but {said[0]}; wanted {want.en}",
                          f"{name}은(는) {dest}을(를) 마운트했지만 {said[1]} 기대: {want.ko}", *evidence[:10])
        if len(found) == 1:
            name = name_of(found[0])
            return failed(f"{name} has no such mount; wanted {want.en}",
                          f"{name}에 그런 마운트가 없습니다. 기대: {want.ko}", *evidence)
        return failed(f"none of {len(found)} containers has such a mount; wanted {want.en}",
                      f"컨테이너 {len(found)}개 중 그런 마운트가 있는 것이 없습니다. 기대: {want.ko}",
                      *evidence[:10])
