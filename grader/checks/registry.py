"""registry: a Docker registry run in a container answers over its HTTP API v2: the API itself
(`GET /v2/`), a repository in its catalog, tags of a repository, a manifest by digest present or
deleted, and a local image's content pushed there.

The registry is the container found as the `container` kind finds it (`image: diamol/registry`),
reached through the host port it publishes for its container port (`port`, default 5000),
always on 127.0.0.1, whatever host address it was published on: the grader talks to this
machine's loopback only, never through a proxy, with a deadline on the whole request (as `http`).
So `-p 5001:5000` grades the same as the book's `-p 5000:5000`.

A digest is given literally (`sha256:...`) or taken from a local image (`digest_of`). An image's
manifests in the repository are found the same way on every engine, as no one local field names
them everywhere: Docker's classic store records the pushed manifest's digest in RepoDigests only
on a push; its containerd store lists every name with the image's own id, which is the manifest
it pushes; Podman lists a digest of its local, uncompressed manifest, never the one it pushed.
So the candidates are the RepoDigests of this repository (any registry host name: 127.0.0.1,
localhost, registry.local), asked by HEAD, and then the manifests the repository's tags point to
whose config is the image (Docker's classic store and Podman give an image the id of its config).
The image id itself is never asked as a manifest: where it names the config, the registry answers
500 (it finds the blob and cannot read it as a manifest). `present: false` asks that none of them
be there any more (a 404 after `DELETE /v2/<repository>/manifests/<digest>`), in a repository the
catalog lists: a registry that never held the repository has deleted nothing.

`blob_of` asks that the repository hold a local image's config blob (`HEAD
/v2/<repository>/blobs/<image id>`, on engines whose image ids are config digests): deleting a
manifest leaves the blobs the repository links, so the push is still proven after the lab deletes
the manifest, and pushing another image under the name proves nothing. On Docker's containerd
image store, whose image ids name the manifest, the manifest by that id is asked instead; once
deleted, nothing of the image is left to ask: there the catalog is all the evidence, and the
evidence says so.
"""
from __future__ import annotations

import hashlib
import json

from .. import refs
from ..model import Outcome
from ..text import Text, _, join, verbatim
from .base import IMAGE_REF, Check, digests_line, failed, passed, register
from .container import LOOKUP_SCHEMA, lookup_problems, lookup_text, name_of, select
from .container_port import bindings, port_key
from .http import get
from .image_file import shown

MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])
TIMEOUT = 5
CAP = 1_000_000
REPOSITORY = {"type": "string", "pattern": r"^[a-z0-9]+([._/-][a-z0-9]+)*$",
              "description": "A repository in the registry, without the registry's host: gallery/ui."}


def repository_path(ref: str) -> str:
    """gallery/ui for 127.0.0.1:5000/gallery/ui@sha256:... (the registry's host dropped)."""
    repo = refs.repository(ref.split("@", 1)[0])
    first, _, rest = repo.partition("/")
    return rest if rest and ("." in first or ":" in first or first == "localhost") else repo


@register
class Registry(Check):
    kind = "registry"
    reacts_to = frozenset({"container", "image", "network", "running"})  # see grader/watch.py
    schema = {
        **LOOKUP_SCHEMA,
        "port": {"type": "integer", "minimum": 1, "maximum": 65535,
                 "description": "The registry's container port (default 5000); the host port is read "
                                "from the container."},
        "repository": REPOSITORY,
        "catalog": {"type": "boolean", "description": "true: the registry's `_catalog` lists the repository."},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                 "description": "All these tags are in the repository (`tags/list`)."},
        "no_tags": {"type": "boolean",
                    "description": "true: the repository is in the catalog but has no tags left (after "
                                   "its manifests were deleted)."},
        "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$", "description": "A manifest digest."},
        "digest_of": {**IMAGE_REF, "description": "The digest Docker recorded when this local image was "
                                                  "pushed to the repository (its RepoDigests)."},
        "blob_of": {**IMAGE_REF, "description": "A local image whose content was pushed to the repository: "
                                                "the registry has its config blob there (kept when the "
                                                "manifest is deleted)."},
        "present": {"type": "boolean",
                    "description": "With `digest`/`digest_of`: true (default) the manifest is there, false "
                                   "it is gone (deleted)."},
    }

    @classmethod
    def problems(cls, params):
        out = lookup_problems(params)
        asks = [k for k in ("catalog", "tags", "no_tags", "digest", "digest_of", "blob_of") if k in params]
        if asks and "repository" not in params:
            out.append((("repository",), _("`{key}` needs the `repository`", key=asks[0])))
        if "digest" in params and "digest_of" in params:
            out.append((("digest",), _("give `digest` or `digest_of`, not both")))
        if "present" in params and "digest" not in params and "digest_of" not in params:
            out.append((("present",), _("`present` needs `digest` or `digest_of`")))
        if "repository" in params and not asks:
            out.append((("repository",), _("say what to check: `catalog`, `tags`, `no_tags`, `digest`, "
                                           "`digest_of` or `blob_of`")))
        return out

    def _asked(self) -> Text:
        p = self.params
        repo = p.get("repository", "")
        if "repository" not in p:
            return _("answers on its API (GET /v2/)")
        asked = []
        if p.get("catalog"):
            asked.append(_("lists {repository} in its catalog", repository=repo))
        if "tags" in p:
            asked.append(_("has tags {tags} of {repository}", tags=", ".join(p["tags"]), repository=repo))
        if p.get("no_tags"):
            asked.append(_("has {repository} with no tags left", repository=repo))
        if "blob_of" in p:
            asked.append(_("holds the content of {image} in {repository}", image=p["blob_of"], repository=repo))
        digest = (verbatim(p["digest"]) if "digest" in p else
                  _("the digest of {image}", image=p["digest_of"]) if "digest_of" in p else None)
        if digest:
            if p.get("present", True):
                asked.append(_("holds the manifest {digest} of {repository}", digest=digest, repository=repo))
            else:
                asked.append(_("no longer holds the manifest {digest} of {repository} (deleted)", digest=digest,
                               repository=repo))
        # NOTE: between the things a registry must hold: "lists gallery/ui in its catalog and has tags v1".
        return join(asked, _(" and "))

    def expectation(self) -> Text:
        return _("the registry in {container} {asked}", container=lookup_text(self.params), asked=self._asked())

    def run(self, engine):
        p = self.params
        found, why = select(engine, p)
        if not found:
            return why
        key = port_key(p.get("port", 5000))
        registries = []
        for attrs in found:
            binds, running = bindings(attrs)
            ports = [hp for _, hp in binds.get(key, ()) if hp]
            if running and ports:
                registries.append((attrs, ports[0]))
        if not registries:
            names = ", ".join(name_of(a) for a in found[:5])
            return failed(_("no such container is running and publishing its port {port}, so the registry "
                            "cannot be reached ({names})", port=key, names=names))
        digests = None
        config = None  # with digest_of: the image's id (its config's digest but on Docker's containerd store)
        if "digest_of" in p:
            image = engine.image(p["digest_of"])
            if image is None:
                return failed(_("image {image} not found on the engine, so its digest is unknown",
                                image=p["digest_of"]))
            repo_digests = [d.split("@", 1)[1] for d in image.get("RepoDigests") or ()
                            if "@" in d and repository_path(d) == p["repository"]]
            # An image with no name in the repository, neither a tag nor a digest, was never pushed
            # there (a push needs the tag; Docker's classic store then keeps the digest even untagged).
            named = repo_digests or [t for t in image.get("RepoTags") or () if repository_path(t) == p["repository"]]
            config = "sha256:" + refs.bare_id(image["Id"])
            digests = list(dict.fromkeys(repo_digests))
            if not named:
                return failed(_("{image} was never pushed to {repository}: it has no digest of that repository "
                                "(Docker records one on a push)", image=p["digest_of"], repository=p["repository"]),
                              digests_line(image))
        elif "digest" in p:
            digests = [p["digest"]]
        blob = None  # with blob_of: the image's id
        if "blob_of" in p:
            pushed = engine.image(p["blob_of"])
            if pushed is None:
                return failed(_("image {image} not found on the engine, so what was pushed cannot be compared "
                                "with it", image=p["blob_of"]))
            blob = "sha256:" + refs.bare_id(pushed["Id"])
        outcomes = [self._one(engine, attrs, port, digests, config, blob) for attrs, port in registries]
        for outcome, _holds in outcomes:
            if outcome.passed:
                return outcome
        # With several registries running (a second one on another port, say), the failure to show
        # is that of one holding the repository: "still has tags" from the registry the student
        # pushed to, not "nothing was pushed" from an empty one that happens to be listed first.
        return next((outcome for outcome, holds in outcomes if holds), outcomes[0][0])

    def _one(self, engine, attrs, port: str, digests, config: str | None, blob: str | None) -> tuple[Outcome, bool]:
        """The outcome for one registry, and False when its catalog was asked and lacks the repository."""
        try:
            return self._judge(engine, attrs, port, digests, config, blob), True
        except _NotListed as e:
            return e.outcome, False

    def _judge(self, engine, attrs, port: str, digests, config: str | None, blob: str | None) -> Outcome:
        p = self.params
        name = name_of(attrs)
        base = f"http://127.0.0.1:{port}/v2/"
        evidence: list[Text] = [_("registry: {name}, port {port}", name=name, port=port)]

        def ask(path: str, method: str = "GET", headers=None):
            url = base + path
            request = f"{method} {url}"
            status, body, _truncated, error = get(url, TIMEOUT, CAP, method=method, headers=headers)
            evidence.append(verbatim(f"{request}: {status} {shown(body)}") if status else
                            _("{request}: no answer: {error}", request=request, error=error or ""))
            return url, status, body, error

        url, status, body, error = ask("")
        if status is None:
            return failed(_("the registry {name} does not answer at {url}: {error}", name=name, url=url,
                            error=error or ""), *evidence)
        if status != 200:
            return failed(_("{url} answered {status}, not 200: is {name} a registry?", url=url, status=status,
                            name=name), *evidence)
        if "repository" not in p:
            return passed(_("the registry {name} answers at {url}", name=name, url=url), *evidence)
        repo = p["repository"]
        deleted = digests is not None and not p.get("present", True)
        if p.get("catalog") or p.get("no_tags") or deleted or blob is not None:
            url, status, body, error = ask("_catalog?n=1000")
            listed = _json(body).get("repositories") or [] if status == 200 else []
            if repo not in listed:
                raise _NotListed(failed(_("the registry's catalog does not list {repository}: nothing was pushed "
                                          "to it", repository=repo), *evidence))
        if "tags" in p or p.get("no_tags"):
            url, status, body, error = ask(f"{repo}/tags/list")
            tags = (_json(body).get("tags") or []) if status == 200 else []
            if "tags" in p:
                missing = [t for t in p["tags"] if t not in tags]
                if missing:
                    return failed(_("{repository} in the registry lacks the tags {tags}", repository=repo,
                                    tags=", ".join(missing)), *evidence)
            if p.get("no_tags") and tags:
                return failed(_("{repository} still has tags in the registry: {tags}", repository=repo,
                                tags=", ".join(map(str, tags[:10]))), *evidence)
        if blob is not None:
            url, status, body, error = ask(f"{repo}/blobs/{blob}", "HEAD")
            if status not in (200, 404):
                return failed(_("{url} answered {answer}, neither 200 nor 404", url=url, answer=status or error or ""),
                              *evidence)
            if status == 404:
                if engine.image_ids_are_configs():
                    return failed(_("{repository} in the registry does not hold {image}: its config {digest} is "
                                    "not there, so what was pushed under that name is another image (or {image} "
                                    "was rebuilt since)", repository=repo, image=p["blob_of"], digest=blob),
                                  *evidence)
                # The image id is its manifest's digest: held, it proves the push; deleted, as the
                # lab does, the catalog is all that is left.
                url, status, body, error = ask(f"{repo}/manifests/{blob}", "HEAD", {"Accept": MANIFEST_TYPES})
                if status != 200:
                    evidence.append(_("Docker's containerd image store names an image by its manifest, which the "
                                      "registry no longer holds: only the catalog shows the push"))
        if digests is not None:
            want = p.get("present", True)
            there = []
            for digest in digests:
                url, status, body, error = ask(f"{repo}/manifests/{digest}", "HEAD", {"Accept": MANIFEST_TYPES})
                if status not in (200, 404):
                    return failed(_("{url} answered {answer}, neither 200 nor 404", url=url,
                                    answer=status or error or ""), *evidence)
                there.append(status == 200)
            if config is not None and not any(there):
                tagged = self._tagged_manifest(ask, repo, config)
                if tagged:
                    digests, there = digests + [tagged], there + [True]
            if want and not any(there):
                # Docker's classic store names no digest for an image tagged but not pushed: the
                # image id is what its owner knows it by.
                unheld = digests[0] if digests else config
                return failed(_("the registry does not hold the manifest {digest} of {repository}",
                                digest=unheld or "", repository=repo), *evidence)
            if not want and any(there):
                digest = digests[there.index(True)]
                return failed(_("the manifest {digest} of {repository} is still in the registry: it was not deleted",
                                digest=digest, repository=repo), *evidence)
        return passed(_("the registry {name} {asked}", name=name, asked=self._asked()), *evidence)

    @staticmethod
    def _tagged_manifest(ask, repo: str, config: str) -> str | None:
        """The digest of a manifest one of the repository's tags points to whose config is
        `config` (the first 20 tags are asked): how a push is found when the local image does not
        name the manifest it pushed (Podman)."""
        _url, status, body, _error = ask(f"{repo}/tags/list")
        tags = (_json(body).get("tags") or []) if status == 200 else []
        for tag in [t for t in tags if isinstance(t, str)][:20]:
            _url, status, body, _error = ask(f"{repo}/manifests/{tag}", "GET", {"Accept": MANIFEST_TYPES})
            manifest = _json(body) if status == 200 else {}
            if (manifest.get("config") or {}).get("digest") == config:
                return "sha256:" + hashlib.sha256(body).hexdigest()
        return None


class _NotListed(Exception):
    """A registry's failure that says it never held the repository: the one failure run() shows
    last among several registries (raised from deep in _judge, where the evidence is gathered)."""

    def __init__(self, outcome: Outcome):
        super().__init__()
        self.outcome = outcome


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
