"""registry: a Docker registry run in a container answers over its HTTP API v2: the API itself
(`GET /v2/`), a repository in its catalog, tags of a repository, a manifest by digest present or
deleted.

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
"""
from __future__ import annotations

import hashlib
import json

from .. import refs
from ..text import Text
from .base import IMAGE_REF, Check, failed, passed, register
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
        "present": {"type": "boolean",
                    "description": "With `digest`/`digest_of`: true (default) the manifest is there, false "
                                   "it is gone (deleted)."},
    }

    @classmethod
    def problems(cls, params):
        out = lookup_problems(params)
        asks = [k for k in ("catalog", "tags", "no_tags", "digest", "digest_of") if k in params]
        if asks and "repository" not in params:
            out.append((("repository",), Text(f"`{asks[0]}` needs the `repository`",
                                              f"`{asks[0]}`에는 `repository`가 필요합니다")))
        if "digest" in params and "digest_of" in params:
            out.append((("digest",), Text("give `digest` or `digest_of`, not both",
                                          "`digest`와 `digest_of` 중 하나만 적으세요")))
        if "present" in params and "digest" not in params and "digest_of" not in params:
            out.append((("present",), Text("`present` needs `digest` or `digest_of`",
                                           "`present`에는 `digest`나 `digest_of`가 필요합니다")))
        if "repository" in params and not asks:
            out.append((("repository",), Text("say what to check: `catalog`, `tags`, `no_tags`, `digest` "
                                              "or `digest_of`",
                                              "확인할 내용을 적으세요: `catalog`, `tags`, `no_tags`, `digest`, "
                                              "`digest_of`")))
        return out

    def _asked(self) -> Text:
        p = self.params
        repo = p.get("repository", "")
        if "repository" not in p:
            return Text("answers on its API (GET /v2/)", "API에 응답함(GET /v2/)")
        en, ko = [], []
        if p.get("catalog"):
            en.append(f"lists {repo} in its catalog")
            ko.append(f"카탈로그에 {repo}이(가) 있음")
        if "tags" in p:
            en.append(f"has tags {', '.join(p['tags'])} of {repo}")
            ko.append(f"{repo}의 태그 {', '.join(p['tags'])}이(가) 있음")
        if p.get("no_tags"):
            en.append(f"has {repo} with no tags left")
            ko.append(f"{repo}에 남은 태그가 없음")
        digest = p.get("digest") or (f"the digest of {p['digest_of']}" if "digest_of" in p else None)
        digest_ko = p.get("digest") or (f"{p['digest_of']}의 다이제스트" if "digest_of" in p else None)
        if digest:
            if p.get("present", True):
                en.append(f"holds the manifest {digest} of {repo}")
                ko.append(f"{repo}에 매니페스트 {digest_ko}이(가) 있음")
            else:
                en.append(f"no longer holds the manifest {digest} of {repo} (deleted)")
                ko.append(f"{repo}에 매니페스트 {digest_ko}이(가) 없음(삭제됨)")
        return Text(" and ".join(en), ", ".join(ko))

    def expectation(self) -> Text:
        who, asked = lookup_text(self.params), self._asked()
        return Text(f"the registry in {who.en} {asked.en}", f"{who.ko}의 레지스트리: {asked.ko}")

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
            return failed(f"no such container is running and publishing its port {key}, so the registry "
                          f"cannot be reached ({names})",
                          f"실행 중이면서 포트 {key}를 공개한 해당 컨테이너가 없어서 레지스트리에 연결할 수 "
                          f"없습니다({names})")
        digests = None
        config = None  # with digest_of: the image's id (its config's digest but on Docker's containerd store)
        if "digest_of" in p:
            image = engine.image(p["digest_of"])
            if image is None:
                return failed(f"image {p['digest_of']} not found on the engine, so its digest is unknown",
                              f"엔진에 이미지 {p['digest_of']}이(가) 없어서 다이제스트를 알 수 없습니다")
            repo_digests = [d.split("@", 1)[1] for d in image.get("RepoDigests") or ()
                            if "@" in d and repository_path(d) == p["repository"]]
            # An image with no name in the repository, neither a tag nor a digest, was never pushed
            # there (a push needs the tag; Docker's classic store then keeps the digest even untagged).
            named = repo_digests or [t for t in image.get("RepoTags") or () if repository_path(t) == p["repository"]]
            config = "sha256:" + refs.bare_id(image["Id"])
            digests = list(dict.fromkeys(repo_digests))
            if not named:
                return failed(f"{p['digest_of']} was never pushed to {p['repository']}: it has no digest "
                              "of that repository (Docker records one on a push)",
                              f"{p['digest_of']}을(를) {p['repository']}에 푸시한 적이 없습니다. 그 저장소의 "
                              "다이제스트가 없습니다(푸시하면 도커가 기록합니다)",
                              f"digests: {', '.join(image.get('RepoDigests') or []) or '(none)'}")
        elif "digest" in p:
            digests = [p["digest"]]
        outcomes = [self._one(attrs, port, digests, config) for attrs, port in registries]
        for outcome in outcomes:
            if outcome.passed:
                return outcome
        return outcomes[0]

    def _one(self, attrs, port: str, digests, config: str | None):
        p = self.params
        name = name_of(attrs)
        base = f"http://127.0.0.1:{port}/v2/"
        evidence = [f"registry: {name}, port {port}"]

        def ask(path: str, method: str = "GET", headers=None):
            url = base + path
            status, body, _, error = get(url, TIMEOUT, CAP, method=method, headers=headers)
            evidence.append(f"{method} {url}: " + (f"{status} {shown(body)}" if status else f"no answer: {error}"))
            return url, status, body, error

        url, status, body, error = ask("")
        if status is None:
            return failed(f"the registry {name} does not answer at {url}: {error}",
                          f"레지스트리 {name}이(가) {url}에서 응답하지 않습니다: {error}", *evidence)
        if status != 200:
            return failed(f"{url} answered {status}, not 200: is {name} a registry?",
                          f"{url}의 응답이 200이 아니라 {status}입니다. {name}이(가) 레지스트리인가요?", *evidence)
        if "repository" not in p:
            return passed(f"the registry {name} answers at {url}", f"레지스트리 {name}이(가) {url}에서 응답합니다",
                          *evidence)
        repo = p["repository"]
        deleted = digests is not None and not p.get("present", True)
        if p.get("catalog") or p.get("no_tags") or deleted:
            url, status, body, error = ask("_catalog?n=1000")
            listed = _json(body).get("repositories") or [] if status == 200 else []
            if repo not in listed:
                return failed(f"the registry's catalog does not list {repo}: nothing was pushed to it",
                              f"레지스트리 카탈로그에 {repo}이(가) 없습니다. 푸시한 적이 없습니다", *evidence)
        if "tags" in p or p.get("no_tags"):
            url, status, body, error = ask(f"{repo}/tags/list")
            tags = (_json(body).get("tags") or []) if status == 200 else []
            if "tags" in p:
                missing = [t for t in p["tags"] if t not in tags]
                if missing:
                    return failed(f"{repo} in the registry lacks the tags {', '.join(missing)}",
                                  f"레지스트리의 {repo}에 태그 {', '.join(missing)}이(가) 없습니다", *evidence)
            if p.get("no_tags") and tags:
                return failed(f"{repo} still has tags in the registry: {', '.join(map(str, tags[:10]))}",
                              f"레지스트리의 {repo}에 아직 태그가 있습니다: {', '.join(map(str, tags[:10]))}",
                              *evidence)
        if digests is not None:
            want = p.get("present", True)
            there = []
            for digest in digests:
                url, status, body, error = ask(f"{repo}/manifests/{digest}", "HEAD", {"Accept": MANIFEST_TYPES})
                if status not in (200, 404):
                    return failed(f"{url} answered {status or error}, neither 200 nor 404",
                                  f"{url}의 응답이 200도 404도 아닌 {status or error}입니다", *evidence)
                there.append(status == 200)
            if config is not None and not any(there):
                tagged = self._tagged_manifest(ask, repo, config)
                if tagged:
                    digests, there = digests + [tagged], there + [True]
            if want and not any(there):
                # Docker's classic store names no digest for an image tagged but not pushed: the
                # image id is what its owner knows it by.
                unheld = digests[0] if digests else config
                return failed(f"the registry does not hold the manifest {unheld} of {repo}",
                              f"레지스트리의 {repo}에 매니페스트 {unheld}이(가) 없습니다", *evidence)
            if not want and any(there):
                digest = digests[there.index(True)]
                return failed(f"the manifest {digest} of {repo} is still in the registry: it was not deleted",
                              f"레지스트리의 {repo}에 매니페스트 {digest}이(가) 아직 있습니다. 삭제되지 "
                              "않았습니다", *evidence)
        return passed(f"the registry {name} {self._asked().en}", f"레지스트리 {name}: {self._asked().ko}",
                      *evidence)

    @staticmethod
    def _tagged_manifest(ask, repo: str, config: str) -> str | None:
        """The digest of a manifest one of the repository's tags points to whose config is
        `config` (the first 20 tags are asked): how a push is found when the local image does not
        name the manifest it pushed (Podman)."""
        _, status, body, _ = ask(f"{repo}/tags/list")
        tags = (_json(body).get("tags") or []) if status == 200 else []
        for tag in [t for t in tags if isinstance(t, str)][:20]:
            _, status, body, _ = ask(f"{repo}/manifests/{tag}", "GET", {"Accept": MANIFEST_TYPES})
            manifest = _json(body) if status == 200 else {}
            if (manifest.get("config") or {}).get("digest") == config:
                return "sha256:" + hashlib.sha256(body).hexdigest()
        return None


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
