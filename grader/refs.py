"""Image references, normalised the way the engines do: `web-ping` is docker.io/library/web-ping:latest
to Docker, and Podman names what is built or committed locally localhost/web-ping:latest."""
from __future__ import annotations

DEFAULT_DOMAIN = "docker.io"
LOCAL_DOMAIN = "localhost"  # Podman's domain for images built, committed or loaded here


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


def _portable(domain: str, path: str) -> str:
    if domain in (DEFAULT_DOMAIN, LOCAL_DOMAIN):
        return path[len("library/"):] if path.startswith("library/") and path.count("/") == 1 else path
    return f"{domain}/{path}"


def key(ref: str) -> str:
    """The name a reference has on every engine: docker.io/library/web-ping:latest (Docker's
    full name) and localhost/web-ping:latest (Podman's, for what it built) are both
    web-ping:latest; other registries keep their domain."""
    domain, path, tag, digest = split(ref)
    return _portable(domain, path) + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def repository_key(ref: str) -> str:
    """key() of the repository alone, without tag or digest."""
    domain, path, _, _ = split(ref)
    return _portable(domain, path)


def bare_id(image_id: str) -> str:
    """An image id without its `sha256:` (engines and API fields differ in showing it)."""
    return image_id[len("sha256:"):] if image_id.startswith("sha256:") else image_id
