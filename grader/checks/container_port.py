"""container_port: a container publishes one of its ports on a host port (`--publish 8088:80`).

The container is found as the `container` kind finds it (exact name, or the image it was created
from, optionally in a state). A running container's bindings are what the engine actually bound;
a stopped one has none, so its configured bindings are read instead.
"""
from __future__ import annotations

from ..text import Text
from .base import Check, failed, passed, register
from .container import LOOKUP_SCHEMA, lookup_problems, lookup_text, name_of, select

CONTAINER_PORT = {
    "oneOf": [{"type": "integer", "minimum": 1, "maximum": 65535},
              {"type": "string", "pattern": r"^\d{1,5}(/(tcp|udp|sctp))?$"}],
    "description": "The container's port: 80 or 80/tcp (the number after the colon in --publish 8088:80).",
}
HOST_PORT = {"type": "integer", "minimum": 1, "maximum": 65535,
             "description": "The host port it is published on (the number before the colon)."}
ANY_IP = ("", "0.0.0.0", "::")


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


def describe_bindings(attrs: dict) -> str:
    found, running = bindings(attrs)
    pairs = [f"{port} -> {ip or '0.0.0.0'}:{hp or '(random)'}" for port, binds in sorted(found.items())
             for ip, hp in binds]
    how = "" if running else " (configured; not running)"
    return f"{name_of(attrs)}: " + (", ".join(pairs) if pairs else "publishes no port") + how


def ip_matches(want: str | None, actual: str) -> bool:
    if want is None:
        return True
    if want in ANY_IP:
        return actual in ANY_IP
    return actual == want


@register
class ContainerPort(Check):
    kind = "container_port"
    schema = {
        **LOOKUP_SCHEMA,
        "port": CONTAINER_PORT,
        "host_port": HOST_PORT,
        "host_ip": {"type": "string",
                    "description": "Published on this host address only (0.0.0.0 means all addresses)."},
    }
    required = ("port",)

    @classmethod
    def problems(cls, params):
        return lookup_problems(params)

    def _want(self) -> Text:
        p = self.params
        where = f"{p['host_ip']}:" if "host_ip" in p else ""
        cport = port_key(p["port"])
        if "host_port" in p:
            return Text(f"container port {cport} on host port {where}{p['host_port']}",
                        f"컨테이너 포트 {cport}를 호스트 포트 {where}{p['host_port']}에")
        return Text(f"container port {cport} on a host port" + (f" of {p['host_ip']}" if where else ""),
                    f"컨테이너 포트 {cport}를 " + (f"{p['host_ip']}의 " if where else "") + "호스트 포트에")

    def expectation(self) -> Text:
        who, want = lookup_text(self.params), self._want()
        return Text(f"{who.en}: publishes {want.en}", f"{who.ko}: {want.ko} 공개")

    def run(self, engine):
        p = self.params
        found, why = select(engine, p)
        if not found:
            return why
        want, want_port = self._want(), port_key(p["port"])
        evidence = [describe_bindings(attrs) for attrs in found]
        for attrs in found:
            binds, _ = bindings(attrs)
            for ip, host_port in binds.get(want_port, ()):
                if ("host_port" not in p or host_port == str(p["host_port"])) and \
                        ip_matches(p.get("host_ip"), ip):
                    name = name_of(attrs)
                    return passed(f"{name} publishes {want.en}", f"{name}이(가) {want.ko} 공개합니다",
                                  *evidence[:10])
        if len(found) == 1:
            name = name_of(found[0])
            return failed(f"{name} does not publish {want.en}", f"{name}이(가) {want.ko} 공개하지 않습니다",
                          *evidence)
        return failed(f"none of {len(found)} containers publishes {want.en}",
                      f"컨테이너 {len(found)}개 중 {want.ko} 공개하는 것이 없습니다", *evidence[:10])
