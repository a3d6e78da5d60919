"""The checks the unit tests grade against captured engine data: one or more per check kind,
each with the verdict it must reach. capture.py records every engine answer these checks need
from a real engine (the scenario it builds); the tests replay them through a fake engine."""
from __future__ import annotations

IMAGE = "grade-unit/web:v1"
BASE = "grade-unit/base"
COMMITTED = "grade-unit/committed"
REGISTRY = "grade-unit/registry"  # the registry's image; its container is named registry
PUSHED_REPO = "grade-unit/kept"  # IMAGE pushed there, tag v1
DELETED_REPO = "grade-unit/gone"  # COMMITTED pushed there, then its manifest deleted
VOLUME = "grade-unit-data"  # holds note.txt; mounted by the containers writer and mounts
SPARE_VOLUME = "grade-unit-spare"  # empty, used by no container
IN_REGISTRY = {"name": "registry", "image": REGISTRY, "state": "running"}

# (case id, kind, params, passes): passes is the verdict, or a verdict per engine kind (None: the others)
CASES: list[tuple[str, str, dict, bool | dict]] = [
    ("image-present", "image", {"image": IMAGE}, True),
    ("image-other-tag", "image", {"image": "grade-unit/web:v9"}, False),
    ("config-env", "image_config", {"image": IMAGE, "env": {"TARGET": "example.com"}}, True),
    ("config-env-differs", "image_config", {"image": IMAGE, "env": {"TARGET": "blog.sixeyed.com"}}, False),
    ("history-steps", "image_history", {"image": IMAGE, "base": BASE, "steps": ["ENV TARGET", "COPY app.txt", "CMD"]},
     True),
    ("history-not-own", "image_history", {"image": IMAGE, "steps": ["CMD"], "not_base": BASE}, False),
    ("file-matches", "image_file", {"image": IMAGE, "path": "/app/app.txt", "matches": "^hello from the image"}, True),
    ("file-missing", "image_file", {"image": IMAGE, "path": "/app/nothing.txt"}, False),
    ("built-on", "image_base", {"image": IMAGE, "base": BASE}, True),
    ("base-itself", "image_base", {"image": BASE, "base": BASE}, False),
    ("commit", "image_commit", {"image": COMMITTED, "base": IMAGE}, True),
    ("commit-was-built", "image_commit", {"image": IMAGE, "base": BASE}, False),
    ("run-prints", "run", {"image": IMAGE, "env": {"TARGET": "probe.test"}, "expect": r"pinging probe\.test"}, True),
    ("run-exits-early", "run", {"image": IMAGE, "command": ["/bin/sh", "-c", "echo bye"], "expect": "pinging",
                                "timeout": 5}, False),
    ("container-logs", "container", {"name": "pinger", "image": IMAGE, "env": {"TARGET": "google.com"},
                                     "logs": r"pinging \$\{TARGET\}|pinging google\.com"}, True),
    ("container-missing", "container", {"name": "nobody"}, False),
    ("container-never-started", "container", {"name": "created-only"}, False),
    ("container-state", "container", {"image": IMAGE, "state": "exited"}, True),
    ("port-published", "container_port", {"name": "site", "port": 80, "host_port": 8099}, True),
    ("port-other", "container_port", {"name": "site", "port": 80, "host_port": 8100}, False),
    ("container-file-changed", "container_file", {"name": "site", "path": "/app/app.txt",
                                                  "differs_from_image": True}, True),
    ("container-file-unchanged", "container_file", {"name": "pinger", "path": "/app/app.txt",
                                                    "differs_from_image": True}, False),
    ("http-serves", "http", {"name": "site", "port": 8099, "path": "/app.txt", "serves_file": "/app/app.txt"}, True),
    ("http-not-found", "http", {"port": 8099, "path": "/nothing.html"}, False),
    ("all-hold", "all", {"checks": [{"kind": "image", "image": IMAGE},
                                    {"kind": "container", "name": "pinger"}]}, True),
    ("all-one-fails", "all", {"checks": [{"kind": "image", "image": IMAGE},
                                         {"kind": "container", "name": "nobody"}]}, False),
    # The parameters chapters 4 and 5 brought to the image kinds and the container kind.
    ("image-tag-matches", "image", {"tag_matches": r"^grade-unit/web:v1$", "same_as": IMAGE}, True),
    ("image-not-same", "image", {"image": COMMITTED, "same_as": IMAGE}, False),
    ("image-repo-digest", "image", {"image": IMAGE, "repo_digest": rf"^127\.0\.0\.1:\d+/{PUSHED_REPO}@sha256:"}, True),
    ("image-repo-digest-none", "image", {"image": BASE, "repo_digest": rf"^127\.0\.0\.1:\d+/{PUSHED_REPO}@sha256:"},
     False),
    ("base-not-on", "image_base", {"image": IMAGE, "base": BASE, "not_on": REGISTRY}, True),
    ("base-is-on", "image_base", {"image": COMMITTED, "base": BASE, "not_on": IMAGE}, False),
    ("file-absent", "image_file", {"image": IMAGE, "path": "/app/nothing.txt", "absent": True}, True),
    ("file-absent-is-there", "image_file", {"image": IMAGE, "path": "/app", "absent": True}, False),
    ("container-restart", "container", {"name": "registry", "restart": "always"}, True),
    ("container-restart-other", "container", {"name": "registry", "restart": "unless-stopped"}, False),
    # image_size: busybox is about 2 MB on every engine, and IMAGE adds a few bytes to BASE.
    ("size-under", "image_size", {"image": IMAGE, "max_size": "10MB"}, True),
    ("size-over", "image_size", {"image": IMAGE, "max_size": "100kB"}, False),
    ("size-ratio", "image_size", {"image": BASE, "max_ratio": 1.5, "of": IMAGE}, True),
    ("size-ratio-over", "image_size", {"image": IMAGE, "max_ratio": 0.5, "of": BASE}, False),
    # container_mount: `mounts` has a read-only bind mount at /config, VOLUME at /data, a tmpfs at
    # /scratch (--mount type=tmpfs) and one at /cache (--tmpfs).
    ("mount-bind-ro", "container_mount", {"name": "mounts", "type": "bind", "destination": "/config",
                                          "read_only": True}, True),
    ("mount-volume", "container_mount", {"name": "mounts", "type": "volume", "source": VOLUME,
                                         "destination": "/data", "read_only": False}, True),
    ("mount-tmpfs", "container_mount", {"name": "mounts", "type": "tmpfs", "destination": "/scratch"}, True),
    ("mount-tmpfs-flag", "container_mount", {"name": "mounts", "type": "tmpfs", "destination": "/cache"}, True),
    ("mount-read-write-wanted", "container_mount", {"name": "mounts", "type": "bind", "destination": "/config",
                                                    "read_only": False}, False),
    ("mount-other-type", "container_mount", {"name": "mounts", "type": "volume", "destination": "/config"}, False),
    ("mount-nowhere", "container_mount", {"image": IMAGE, "type": "bind", "destination": "/elsewhere"}, False),
    # volume: read through a never-started probe that mounts it read-only.
    ("volume-exists", "volume", {"name": VOLUME}, True),
    ("volume-missing", "volume", {"name": "grade-unit-none"}, False),
    ("volume-file", "volume", {"name": VOLUME, "path": "note.txt", "content": "kept in the volume\n"}, True),
    ("volume-file-missing", "volume", {"name": VOLUME, "path": "other.txt"}, False),
    ("volume-file-differs", "volume", {"name": VOLUME, "path": "note.txt", "matches": "^nothing"}, False),
    ("volume-unused", "volume", {"name": SPARE_VOLUME, "path": "note.txt", "probe_image": BASE}, False),
    ("volume-no-probe-image", "volume", {"name": SPARE_VOLUME, "path": "note.txt",
                                         "probe_image": "grade-unit/none"}, False),
    # registry: the registry container's HTTP API v2, on the host port it publishes.
    ("registry-api", "registry", IN_REGISTRY, True),
    ("registry-catalog", "registry", {**IN_REGISTRY, "repository": PUSHED_REPO, "catalog": True}, True),
    ("registry-catalog-missing", "registry", {**IN_REGISTRY, "repository": "grade-unit/nothing", "catalog": True},
     False),
    ("registry-tags", "registry", {**IN_REGISTRY, "repository": PUSHED_REPO, "tags": ["v1"]}, True),
    ("registry-tags-missing", "registry", {**IN_REGISTRY, "repository": PUSHED_REPO, "tags": ["v1", "v2"]}, False),
    ("registry-no-tags", "registry", {**IN_REGISTRY, "repository": DELETED_REPO, "no_tags": True}, True),
    ("registry-still-tagged", "registry", {**IN_REGISTRY, "repository": PUSHED_REPO, "no_tags": True}, False),
    ("registry-manifest-held", "registry", {**IN_REGISTRY, "repository": PUSHED_REPO, "digest_of": IMAGE}, True),
    ("registry-manifest-deleted", "registry", {**IN_REGISTRY, "repository": DELETED_REPO, "digest_of": COMMITTED,
                                               "present": False}, True),
    ("registry-manifest-kept", "registry", {**IN_REGISTRY, "repository": PUSHED_REPO, "digest_of": IMAGE,
                                            "present": False}, False),
    ("registry-never-pushed", "registry", {**IN_REGISTRY, "repository": PUSHED_REPO, "digest_of": BASE,
                                           "present": False}, False),
    ("registry-holds-image", "registry", {**IN_REGISTRY, "repository": PUSHED_REPO, "blob_of": IMAGE}, True),
    # Its manifest deleted, the repository still links the image's config blob.
    ("registry-holds-deleted", "registry", {**IN_REGISTRY, "repository": DELETED_REPO, "blob_of": COMMITTED},
     True),
    # Another image than the one pushed there: on Docker's containerd store, whose image ids name
    # manifests, nothing tells them apart once no manifest of it is left (the catalog is all).
    ("registry-holds-other", "registry", {**IN_REGISTRY, "repository": PUSHED_REPO, "blob_of": BASE},
     {"docker26-containerd": True, None: False}),
]


def verdict(passes: bool | dict, engine_kind: str) -> bool:
    """A case's verdict on this engine kind."""
    return passes if isinstance(passes, bool) else passes.get(engine_kind, passes[None])
