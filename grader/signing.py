"""HMAC-SHA256 signatures on reports, so an instructor can tell a report that `grade` wrote from
one that was edited afterwards.

With `GRADE_SIGNING_KEY` set, `grade` signs what it writes:

- JSON: a top-level `"signature"` field over the canonical form of the report without that field
  (keys sorted, no insignificant whitespace, UTF-8);
- JUnit: a `<property name="signature">` in each `<testsuite>`, over the suite's canonical form:
  for every element below and including the suite, in document order of their ends, its depth,
  tag, sorted attributes and, for an element without children, its exact text. Whitespace between
  elements (the pretty-printing) and the `<testsuites>` wrapper are not signed; every attribute,
  property, test name, failure and output text is.

Signatures read `hmac-sha256:<64 hex digits>`. `grade collect --verify` recomputes them with the
same key. Both report writers sign by rendering: the JSON report adds the field to what it
renders, the JUnit report renders once, reads its own output back with the same streaming reader
that `collect` uses (which feeds `SuiteDigest`), and renders again with the signature property. As
the canonical form leaves the signature out, signing and verifying can never disagree on it.

What this proves, and what not: a valid signature means the report was written by a `grade` run
that had the key and has not been changed since. It does not stop someone who can read the key
(for example a student who edits their own pipeline to print a CI variable) from signing a
report of their own making; see labs/ch03/CI.md.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import xml.etree.ElementTree as ET
from typing import Any, Mapping, Optional

from .text import Text, _

KEY_ENV = "GRADE_SIGNING_KEY"
PREFIX = "hmac-sha256:"
FIELD = "signature"  # the JSON field and the JUnit property name
_SIG_RE = re.compile(r"^hmac-sha256:[0-9a-f]{64}$")


def key_from_env(environ: Optional[Mapping[str, str]] = None) -> bytes | None:
    """The signing key from GRADE_SIGNING_KEY, or None when it is unset or empty."""
    value = (environ if environ is not None else os.environ).get(KEY_ENV, "")
    return value.encode("utf-8") if value else None


def _format(mac: hmac.HMAC) -> str:
    return PREFIX + mac.hexdigest()


def matches(expected: str, signature: object) -> bool:
    """Constant-time comparison of a computed signature with one read from a report."""
    if not isinstance(signature, str) or not _SIG_RE.match(signature):
        return False
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii"))


# ----------------------------------------------------------------------------------------- JSON

def json_canonical(data: Mapping[str, Any]) -> bytes:
    """The signed bytes of a JSON report: every field but `signature`, keys sorted, compact."""
    body = {k: v for k, v in data.items() if k != FIELD}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def json_signature(data: Mapping[str, Any], key: bytes) -> str:
    return _format(hmac.new(key, json_canonical(data), hashlib.sha256))


def verify_json(data: Mapping[str, Any], key: bytes) -> Text | None:
    """None when the report's signature is right, else why not."""
    return verify(json_signature(data, key), data.get(FIELD))


def verify(computed: str | None, given: object) -> Text | None:
    """None when a signature read from a report is the one computed for it, else why not."""
    if given is None:
        return _("signature missing")
    if computed is None or not isinstance(given, str) or not matches(computed, given):
        return _("signature does not match (the report was changed after grading, or signed with another key)")
    return None


# ---------------------------------------------------------------------------------------- JUnit

def local_name(tag: str) -> str:
    """An element's tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def is_signature_property(elem: ET.Element) -> bool:
    return local_name(elem.tag) == "property" and elem.get("name") == FIELD


class SuiteDigest:
    """Feeds the canonical form of one <testsuite> into an HMAC, element by element.

    Call `element(elem, depth)` at each element's end event (depth 0 is the suite itself); the
    signature property is left out, so a signed suite verifies to the same digest."""

    def __init__(self, key: bytes):
        self.mac = hmac.new(key, b"junit-testsuite-v1\n", hashlib.sha256)

    def element(self, elem: ET.Element, depth: int) -> None:
        if is_signature_property(elem):
            return
        text = None if len(elem) else (elem.text or "")
        record = [depth, local_name(elem.tag), sorted(elem.attrib.items()), text]
        self.mac.update(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        self.mac.update(b"\n")

    def signature(self) -> str:
        return _format(self.mac)
