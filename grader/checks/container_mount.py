"""container_mount: a container has a mount: a bind mount of a host path, a named volume or a
tmpfs, at a destination, read-only or not (`--mount`, `--volume`, `--volumes-from`, `--tmpfs`; the
image's own `VOLUME` gives an anonymous volume). Read from the container's inspect data: `Mounts`,
and `HostConfig.Tmpfs` for the tmpfs mounts that `Mounts` leaves out (Docker's `--tmpfs`, and every
tmpfs on Podman, `--mount type=tmpfs` too).

The container is found as the `container` kind finds it; one of the candidates having such a
mount is enough.
"""
from __future__ import annotations

from ..text import Text, _, join, verbatim
from .base import Check, either, failed, passed, register
from .container import LOOKUP_SCHEMA, lookup_problems, lookup_text, name_of, select

TYPES = ["bind", "volume", "tmpfs"]
DESTINATION = {"type": "string", "pattern": "^/"}


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


def describe(mount: dict) -> Text:
    source = mount.get("Name") or mount.get("Source") or ""
    mode = "ro" if not mount.get("RW", True) else "rw"
    kind, destination = mount.get("Type", "?"), mount.get("Destination", "?")
    if source:
        return verbatim(f"{kind} {source} -> {destination} ({mode})")
    # NOTE: a mount with no source (a tmpfs): "tmpfs (none) -> /cache (rw)".
    return _("{type} (none) -> {destination} ({mode})", type=kind, destination=destination, mode=mode)


@register
class ContainerMount(Check):
    kind = "container_mount"
    reacts_to = frozenset({"container", "image"})  # see grader/watch.py
    schema = {
        **LOOKUP_SCHEMA,
        "type": {"enum": TYPES, "description": "bind (a host path), volume (named or anonymous) or tmpfs."},
        "destination": {"oneOf": [DESTINATION, {"type": "array", "items": DESTINATION, "minItems": 1}],
                        "description": "Where it is mounted in the container (or any of these: a folder, or "
                                       "the one file of it that matters)."},
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
        what = {"bind": _("a bind mount"), "volume": _("a volume"), "tmpfs": _("a tmpfs")}.get(kind, _("a mount"))
        mode = _(" read-only") if p.get("read_only") else _(" read-write")
        # NOTE: a mount as a check wants it: "a bind mount of /srv at /app/config read-only". Each
        # part but the first is there only when the rubric says it (then it starts with a space).
        return _("{mount}{of_source}{at_destination}{mode}", mount=what,
                 of_source=_(" of {source}", source=p["source"]) if "source" in p else "",
                 at_destination=_(" at {destination}", destination=either(self._destinations()))
                 if "destination" in p else "",
                 mode=mode if "read_only" in p else "")

    def expectation(self) -> Text:
        return _("{container}: has {mount}", container=lookup_text(self.params), mount=self._want())

    def _destinations(self) -> list[str]:
        wanted = self.params.get("destination", [])
        return [wanted] if isinstance(wanted, str) else list(wanted)

    def _fits(self, mount: dict) -> str:
        """'' if the mount is the one wanted, else what differs."""
        p = self.params
        if "destination" in p and mount.get("Destination", "").rstrip("/") not in {
                d.rstrip("/") for d in self._destinations()}:
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
            evidence.append(join([verbatim(name_of(attrs)), join([describe(m) for m in mounts], "; ")], ": ")
                            if mounts else _("{name}: no mounts", name=name_of(attrs)))
            for mount in mounts:
                miss = self._fits(mount)
                if not miss:
                    return passed(_("{name} has {mount}", name=name_of(attrs), mount=want), evidence[-1])
                # A mount at the right place that is wrong in one way is what the student most needs to hear.
                if near is None and "destination" in self.params and miss != "destination":
                    near = (attrs, mount, miss)
        if near is not None:
            attrs, mount, miss = near
            name, dest = name_of(attrs), str(mount.get("Destination"))
            said = {"type": _("it is a {type} mount", type=str(mount.get("Type"))),
                    "source": _("its source is {source}", source=str(mount.get("Name") or mount.get("Source"))),
                    "read_only": (_("it is read-write (add `readonly` to --mount, or `:ro` to -v)")
                                  if mount.get("RW", True) else _("it is read-only"))}[miss]
            return failed(_("{name} mounts {destination}, but {problem}; wanted {mount}", name=name,
                            destination=dest, problem=said, mount=want), *evidence[:10])
        if len(found) == 1:
            return failed(_("{name} has no such mount; wanted {mount}", name=name_of(found[0]), mount=want),
                          *evidence)
        return failed(_("none of {count} containers has such a mount; wanted {mount}", count=len(found),
                        mount=want), *evidence[:10])
