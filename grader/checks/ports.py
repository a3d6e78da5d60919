"""Published ports as engines report them, shared by container_port, http and the drafter."""
from __future__ import annotations

from ..engine import ANY_IP
from ..text import Text, _, join, verbatim
from .lookup import name_of

__all__ = ["ANY_IP", "bindings", "describe_bindings", "ip_matches", "port_key"]


def port_key(port) -> str:
    """80 and "80" mean 80/tcp, as in --publish."""
    text = str(port)
    return text if "/" in text else text + "/tcp"


def bindings(attrs: dict) -> tuple[dict[str, list[tuple[str, str]]], bool]:
    """{container port: [(host ip, host port)]} and whether they are live (the container runs)."""
    live = (attrs.get("NetworkSettings") or {}).get("Ports") or {}
    running = bool((attrs.get("State") or {}).get("Running"))
    source = live if running else (attrs.get("HostConfig") or {}).get("PortBindings") or {}
    out = {}
    for port, binds in source.items():
        out[port] = [((b or {}).get("HostIp") or "", (b or {}).get("HostPort") or "") for b in binds or ()]
    return out, running


def describe_bindings(attrs: dict) -> Text:
    found, running = bindings(attrs)
    pairs: list[Text] = [verbatim(f"{port} -> {ip or '0.0.0.0'}:{hp}") if hp else
                         # NOTE: a binding to a host port the engine picks: "80/tcp -> 0.0.0.0:(random)".
                         _("{port} -> {ip}:(random)", port=port, ip=ip or "0.0.0.0")
                         for port, binds in sorted(found.items()) for ip, hp in binds]
    name = name_of(attrs)
    if not pairs:
        return _("{name}: publishes no port", name=name) if running else \
            _("{name}: publishes no port (configured; not running)", name=name)
    listed = join(pairs, ", ")
    return join([verbatim(name), listed], ": ") if running else \
        _("{name}: {bindings} (configured; not running)", name=name, bindings=listed)


def ip_matches(want: str | None, actual: str) -> bool:
    if want is None:
        return True
    if want in ANY_IP:
        return actual in ANY_IP
    return actual == want
