"""container_port: a container publishes one of its ports on a host port (`--publish 8088:80`).

The container is found as the `container` kind finds it (exact name, or the image it was created
from, optionally in a state). A running container's bindings are what the engine actually bound;
a stopped one has none, so its configured bindings are read instead.

A container can ask for a binding (HostConfig.PortBindings) that the engine never makes: its
network mode is `none`, `host` or another container's, or it runs on the default bridge of an
engine started without one (`dockerd --bridge none`, as the project's private engine is). Then
`--publish 8088:80` is accepted and silently does nothing, so the check says why and what to type
on that engine instead of repeating the command that did not work.
"""
from __future__ import annotations

import ipaddress

from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text, _
from .base import Check, failed, passed, register
from .lookup import LOOKUP_SCHEMA, lookup_problems, lookup_text, name_of, select
from .ports import ANY_IP, bindings, describe_bindings, ip_matches, port_key  # noqa: F401

CONTAINER_PORT = {
    "oneOf": [{"type": "integer", "minimum": 1, "maximum": 65535},
              {"type": "string", "pattern": r"^\d{1,5}(/(tcp|udp|sctp))?$"}],
    "description": "The container's port: 80 or 80/tcp (the number after the colon in --publish 8088:80).",
}
HOST_PORT = {"type": "integer", "minimum": 1, "maximum": 65535,
             "description": "The host port it is published on (the number before the colon)."}


def requested(attrs: dict, port: str, host_port) -> tuple[str, str] | None:
    """The (host ip, host port) the container asked for on `port` in HostConfig.PortBindings."""
    asked = ((attrs.get("HostConfig") or {}).get("PortBindings") or {}).get(port) or ()
    for b in asked:
        ip, hp = (b or {}).get("HostIp") or "", (b or {}).get("HostPort") or ""
        if host_port is None or hp == str(host_port):
            return ip, hp
    return None


def no_publishing(attrs: dict) -> tuple[Text, Text | None] | None:
    """Why this container's network cannot publish a port (the reason, and what to type), or None."""
    mode = (attrs.get("HostConfig") or {}).get("NetworkMode") or "default"
    running = bool((attrs.get("State") or {}).get("Running"))
    networks = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
    if mode in ("none", "host") or mode.startswith("container:"):
        return (_("its network mode is {mode} (--network {mode}), which publishes no port", mode=mode),
                _("Run it again without `--network {mode}`.", mode=mode))
    # Only a running container's default network is known for sure: a bridge with no id is one
    # the engine does not have.
    if running and mode in ("default", "bridge") and not (networks.get("bridge") or {}).get("NetworkID"):
        return (_("this engine has no default bridge network (its dockerd runs with --bridge none), so a "
                  "container started without --network has no network and nothing is published"), None)
    return None


def bridge_fix(attrs: dict, port: str, host_port: str) -> Text:
    """What to type on an engine with no default bridge: a network of one's own, then --publish
    on 127.0.0.1 (that engine has no iptables rules; the address keeps the port off the network).
    The network is named `ch02` as in chapter 2's README, the chapter that publishes a port."""
    name = name_of(attrs)
    image = (attrs.get("Config") or {}).get("Image") or "IMAGE"
    number = port.split("/")[0] + ("" if port.endswith("/tcp") else "/" + port.split("/")[1])
    publish = f"127.0.0.1:{host_port}:{number}" if host_port else f"127.0.0.1::{number}"
    run = f"docker container run --detach --network ch02 --publish {publish} {image}"
    return _("On this engine, publish through a network of your own: `docker network create ch02` (once), "
             "remove the old container with `docker container rm -f {name}`, then `{run}`.", name=name, run=run)


@register
class ContainerPort(Check):
    kind = "container_port"
    reacts_to = frozenset({"container", "image", "network"})  # see grader/watch.py
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
        out = lookup_problems(params)
        ip = params.get("host_ip")
        if isinstance(ip, str) and ip not in ANY_IP:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                # The engine records the address a port is bound on, never a host name: `localhost`
                # (the textbook's word for it) matched nothing, so the check could never pass.
                out.append((("host_ip",), _(
                    "{value} is not an IP address, and the engine records a published port's address as one, "
                    "so this check could never pass: write 127.0.0.1 for localhost, or 0.0.0.0 for all "
                    "addresses", value=ip)))
        return out

    def _want(self) -> Text:
        p = self.params
        cport = port_key(p["port"])
        if "host_port" in p:
            address = (f"{p['host_ip']}:" if "host_ip" in p else "") + str(p["host_port"])
            return _("container port {port} on host port {address}", port=cport, address=address)
        if "host_ip" in p:
            return _("container port {port} on a host port of {ip}", port=cport, ip=p["host_ip"])
        return _("container port {port} on a host port", port=cport)

    def expectation(self) -> Text:
        return _("{container}: publishes {ports}", container=lookup_text(self.params), ports=self._want())

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        found, why = select(engine, p)
        if why is not None:  # none found
            return why
        want, want_port = self._want(), port_key(p["port"])
        evidence = [describe_bindings(attrs) for attrs in found]
        for attrs in found:
            binds, _live = bindings(attrs)
            for ip, host_port in binds.get(want_port, ()):
                if ("host_port" not in p or host_port == str(p["host_port"])) and \
                        ip_matches(p.get("host_ip"), ip):
                    return passed(_("{name} publishes {ports}", name=name_of(attrs), ports=want), *evidence[:10])
        for attrs in found:
            binds, live = bindings(attrs)
            if live and any(binds.values()):
                continue  # it publishes other ports, so its network can: just not the one wanted
            # Said even when the host port asked for is not the one wanted: no port can work there.
            asked = requested(attrs, want_port, p.get("host_port")) or requested(attrs, want_port, None)
            blocked = no_publishing(attrs) if asked and ip_matches(p.get("host_ip"), asked[0]) else None
            if blocked is None or asked is None:
                continue
            name, (ip, host_port) = name_of(attrs), asked
            binding = ":".join(filter(None, (ip, host_port, want_port)))  # 8088:80/tcp, or 80/tcp
            reason, fix = blocked
            fix = fix or bridge_fix(attrs, want_port, str(p.get("host_port") or host_port or ""))
            return Outcome(False, _(
                "{name} asked for {binding} (HostConfig.PortBindings), but nothing is published: {reason}",
                name=name, binding=binding, reason=reason), tuple(evidence[:10]), fix)
        if len(found) == 1:
            return failed(_("{name} does not publish {ports}", name=name_of(found[0]), ports=want), *evidence)
        return failed(_("none of {count} containers publishes {ports}", count=len(found), ports=want),
                      *evidence[:10])
