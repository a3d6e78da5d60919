"""volume: a named volume exists (`docker volume create`, or `-v NAME:/path`), and optionally holds
a file (`path`, relative to the volume's root) that exists, has `content` or `matches` a regex.
A wildcard in the file's name (`*.db`, `*`) accepts any file it matches there: an app writes the
file its configuration names, and a student may name it otherwise than the book.

The file is read without running anything of the student's: a created, never-started probe
container mounts the volume read-only and the archive API reads the file, as `image_file` reads
an image's files. The probe needs an image that is on the engine: the image of a container that
mounts the volume, else `probe_image` (default diamol/base, the textbook's smallest image).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from fnmatch import fnmatchcase

from ..engine import ObjectError
from ..model import Outcome
from ..text import Text, _, ngettext
from .base import IMAGE_REF, REGEX, Check, capped, failed, listed, passed, regex_problems, register
from .image_file import DEFAULT_CAP, judge

DEFAULT_PROBE_IMAGE = "diamol/base"
WILDCARD = re.compile(r"[*?\[]")
WILDCARD_READS = 10  # files matching a wildcard read at most, in name order


@register
class Volume(Check):
    kind = "volume"
    reacts_to = frozenset({"volume", "container", "running"})  # see grader/watch.py
    schema = {
        "name": {"type": "string", "minLength": 1, "description": "The volume's exact name."},
        "path": {"type": "string", "minLength": 1,
                 "description": "A file in the volume, relative to its root (todo-list.db); a wildcard in "
                                "the file's name (*.db, *) accepts any file it matches in that folder."},
        "content": {"type": "string", "description": "The file holds exactly this."},
        "matches": REGEX,
        "max_bytes": {"type": "integer", "minimum": 1, "maximum": 16_000_000,
                      "description": "Read at most this much (default 1 MB)."},
        "probe_image": {**IMAGE_REF, "description": "The image the read-only probe is created from when "
                                                    "no container mounts the volume (default diamol/base)."},
    }
    required = ("name",)

    @classmethod
    def problems(cls, params):
        out = regex_problems(params, "matches")
        if ("content" in params or "matches" in params) and "path" not in params:
            out.append((("path",), _("`content` and `matches` need the file's `path`")))
        path = params.get("path")
        if isinstance(path, str) and WILDCARD.search(path.rpartition("/")[0]):
            out.append((("path",), _("a wildcard may only be in the file's name, not in its folders: {path}",
                                     path=path)))
        return out

    def expectation(self) -> Text:
        p = self.params
        if "path" not in p:
            return _("volume {name} exists", name=p["name"])
        if WILDCARD.search(p["path"]):
            if "content" in p:
                return _("volume {name} exists, holding a file matching {path} with content {content}",
                         name=p["name"], path=p["path"], content=repr(p["content"]))
            if "matches" in p:
                return _("volume {name} exists, holding a file matching {path} whose content matches /{pattern}/",
                         name=p["name"], path=p["path"], pattern=p["matches"])
            return _("volume {name} exists, holding a file matching {path}", name=p["name"], path=p["path"])
        if "content" in p:
            return _("volume {name} exists, holding {path} with content {content}", name=p["name"], path=p["path"],
                     content=repr(p["content"]))
        if "matches" in p:
            return _("volume {name} exists, holding {path} matching /{pattern}/", name=p["name"], path=p["path"],
                     pattern=p["matches"])
        return _("volume {name} exists, holding {path}", name=p["name"], path=p["path"])

    def run(self, engine):
        p = self.params
        name = p["name"]
        attrs = engine.volume(name)
        if attrs is None:
            return failed(_("no volume named {name}", name=name))
        users = engine.volume_users(name)
        evidence = [_("volume {name}: driver {driver}, created {created}", name=name,
                      driver=attrs.get("Driver", "?"), created=attrs.get("CreatedAt", "?")),
                    ngettext("mounted by {n} container", "mounted by {n} containers", len(users))]
        if "path" not in p:
            return passed(_("volume {name} exists", name=name), *evidence)
        image = self._probe_image(engine, users)
        if image is None:
            other = p.get("probe_image", DEFAULT_PROBE_IMAGE)
            return failed(_("the volume's files cannot be read: no container mounts {name} and {image} is not on "
                            "the engine (`docker image pull {image}`)", name=name, image=other), *evidence)
        path = p["path"].lstrip("/")
        try:
            if WILDCARD.search(path):
                return self._any_file(engine, name, path, image, evidence)
            return self._file(engine, name, path, image, evidence)
        except ObjectError as e:
            return failed(_("{path} in volume {name}: {error}", path=path, name=name, error=e.message), *evidence)

    def _file(self, engine, name: str, path: str, image: str, evidence: Sequence[Text]) -> Outcome:
        cap = self.params.get("max_bytes", DEFAULT_CAP)
        got = engine.read_volume_file(name, path, image, cap)
        miss, seen = judge(got, {**self.params, "path": path}, cap, _("volume {name}", name=name))
        if miss is not None:
            return Outcome(False, miss.message, tuple(evidence) + miss.evidence)
        return passed(_("{path} in volume {name} is as expected", path=path, name=name), *evidence, *seen)

    def _any_file(self, engine, name: str, path: str, image: str, evidence: Sequence[Text]) -> Outcome:
        """The first file (by name) in the folder that the wildcard matches and that is as expected."""
        folder, _slash, pattern = path.rpartition("/")
        names = engine.volume_names(name, folder, image)
        if names is None:
            return failed(_("volume {name} has no folder {folder}", name=name, folder=folder), *evidence)
        files = [n for n in names if not n.endswith("/") and fnmatchcase(n, pattern)]
        there = _("in it: {names}", names=listed(names)) if names else _("it is empty")
        if not files:
            return failed(_("no file in volume {name} matches {pattern}", name=name, pattern=path),
                          *evidence, there)
        misses: list[Outcome] = []
        for file in files[:WILDCARD_READS]:
            found = self._file(engine, name, f"{folder}/{file}" if folder else file, image, evidence)
            if found.passed:
                return found
            misses.append(found)
        if len(misses) == 1:
            return misses[0]
        return failed(ngettext("none of the {n} file matching {pattern} in volume {name} is as expected",
                               "none of the {n} files matching {pattern} in volume {name} is as expected",
                               len(files), pattern=path, name=name),
                      *evidence, *capped([m.message for m in misses], more=len(files) - len(misses)))

    def _probe_image(self, engine, users) -> str | None:
        for cid in users[:5]:
            attrs = engine.inspect_container(cid)
            if attrs and attrs.get("Image") and engine.image(attrs["Image"]) is not None:
                return attrs["Image"]
        other = self.params.get("probe_image", DEFAULT_PROBE_IMAGE)
        found = engine.image(other)
        return found["Id"] if found else None
