"""The checks the unit tests grade against captured engine data: one or more per check kind,
each with the verdict it must reach. capture.py records every engine answer these checks need
from a real engine (the scenario it builds); the tests replay them through a fake engine."""
from __future__ import annotations

IMAGE = "grade-unit/web:v1"
BASE = "grade-unit/base"
COMMITTED = "grade-unit/committed"

# (case id, kind, params, passes)
CASES: list[tuple[str, str, dict, bool]] = [
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
]
