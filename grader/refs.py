"""Image references, normalised the way the engine does: `web-ping` is docker.io/library/web-ping:latest."""
from __future__ import annotations

DEFAULT_DOMAIN = "docker.io"


def split(ref: str) -> tuple[str, str, str, str]:
    """(domain, path, tag, digest) of a reference; tag defaults to latest unless a digest is given."""
    name, _, digest = ref.partition("@")
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        domain, path = first, rest
    else:
        domain, path = DEFAULT_DOMAIN, name
    if domain in ("docker.io", "index.docker.io"):
        domain = DEFAULT_DOMAIN
        if "/" not in path:
            path = "library/" + path
    if not tag and not digest:
        tag = "latest"
    return domain, path, tag, digest


def normalize(ref: str) -> str:
    domain, path, tag, digest = split(ref)
    out = f"{domain}/{path}"
    if tag:
        out += f":{tag}"
    if digest:
        out += f"@{digest}"
    return out


def repository(ref: str) -> str:
    domain, path, _, _ = split(ref)
    return familiar(f"{domain}/{path}")


def familiar(ref: str) -> str:
    """The short form people type: docker.io/library/web-ping:latest is web-ping:latest."""
    if ref.startswith(DEFAULT_DOMAIN + "/"):
        ref = ref[len(DEFAULT_DOMAIN) + 1:]
        if ref.startswith("library/"):
            ref = ref[len("library/"):]
    return ref


def same(a: str, b: str) -> bool:
    return normalize(a) == normalize(b)
