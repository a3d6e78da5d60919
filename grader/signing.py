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
same key. The JUnit form is computed while streaming (iterparse), the same code path for signing
and verifying, so the two can never disagree on what the canonical form is.

What this proves, and what not: a valid signature means the report was written by a `grade` run
that had the key and has not been changed since. It does not stop someone who can read the key
(for example a student who edits their own pipeline to print a CI variable) from signing a
report of their own making; see labs/ch03/CI.md.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from typing import IO, Callable, Iterator

KEY_ENV = "GRADE_SIGNING_KEY"
PREFIX = "hmac-sha256:"
FIELD = "signature"  # the JSON field and the JUnit property name
_SIG_RE = re.compile(r"^hmac-sha256:[0-9a-f]{64}$")


def key_from_env(environ=None) -> bytes | None:
    """The signing key from GRADE_SIGNING_KEY, or None when it is unset or empty."""
    value = (environ if environ is not None else os.environ).get(KEY_ENV, "")
    return value.encode("utf-8") if value else None


def _format(mac) -> str:
    return PREFIX + mac.hexdigest()


def matches(expected: str, signature: str | None) -> bool:
    """Constant-time comparison of a computed signature with one read from a report."""
    if not isinstance(signature, str) or not _SIG_RE.match(signature):
        return False
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii"))


# ----------------------------------------------------------------------------------------- JSON

def json_canonical(data: dict) -> bytes:
    """The signed bytes of a JSON report: every field but `signature`, keys sorted, compact."""
    body = {k: v for k, v in data.items() if k != FIELD}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def json_signature(data: dict, key: bytes) -> str:
    return _format(hmac.new(key, json_canonical(data), hashlib.sha256))


def sign_json(text: str, key: bytes) -> str:
    """A JSON report's text with its signature added (replacing any old one), written as
    `grade --json` writes reports: indented by two, non-ASCII kept."""
    data = json.loads(text)
    data.pop(FIELD, None)
    data[FIELD] = json_signature(data, key)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def verify_json(data: dict, key: bytes) -> str | None:
    """None when the report's signature is right, else why not."""
    given = data.get(FIELD)
    if given is None:
        return "signature missing"
    if not matches(json_signature(data, key), given):
        return "signature does not match (the report was changed after grading, or signed with another key)"
    return None


# ---------------------------------------------------------------------------------------- JUnit

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_signature_property(elem) -> bool:
    return _local(elem.tag) == "property" and elem.get("name") == FIELD


class SuiteDigest:
    """Feeds the canonical form of one <testsuite> into an HMAC, element by element.

    Call `element(elem, depth)` at each element's end event (depth 0 is the suite itself); the
    signature property is left out, so a signed suite verifies to the same digest."""

    def __init__(self, key: bytes):
        self.mac = hmac.new(key, b"junit-testsuite-v1\n", hashlib.sha256)

    def element(self, elem, depth: int) -> None:
        if _is_signature_property(elem):
            return
        text = None if len(elem) else (elem.text or "")
        record = [depth, _local(elem.tag), sorted(elem.attrib.items()), text]
        self.mac.update(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        self.mac.update(b"\n")

    def signature(self) -> str:
        return _format(self.mac)


def iter_suites(source: IO[bytes], key: bytes | None,
                on_end: Callable | None = None) -> Iterator[tuple[ET.Element, str | None, str | None]]:
    """Streams a JUnit document: yields (testsuite element, computed signature or None, signature
    property value or None) at the end of each testsuite. `on_end(elem, depth)` sees every element
    inside a suite as it ends, before it may be cleared by the caller.

    Children of the suite are kept until the suite ends (the caller reads them); the caller may
    clear them inside `on_end`."""
    depth = -1
    suite_depth = None
    digest = None
    given = None
    for event, elem in ET.iterparse(source, events=("start", "end")):
        if event == "start":
            depth += 1
            if suite_depth is None and _local(elem.tag) == "testsuite":
                suite_depth = depth
                digest = SuiteDigest(key) if key is not None else None
                given = None
            continue
        if suite_depth is not None:
            rel = depth - suite_depth
            if _is_signature_property(elem) and rel == 2:
                given = elem.get("value")
            if digest is not None:
                digest.element(elem, rel)
            if rel == 0:
                yield elem, (digest.signature() if digest is not None else None), given
                suite_depth = None
                digest = None
            elif on_end is not None:
                on_end(elem, rel)
        depth -= 1


def sign_junit(text: str, key: bytes) -> str:
    """A JUnit report's text with a `signature` property in each testsuite (replacing any old one).

    The property is inserted textually before the suite's `</properties>` (junit-xml writes one
    per suite), so the rest of the file stays byte for byte as rendered."""
    raw = text.encode("utf-8")
    if f'<property name="{FIELD}"' in text:
        # An old signature property: drop it first, through the tree, then sign the result.
        root = ET.fromstring(raw)
        for props in root.iter():
            for p in [p for p in props if _is_signature_property(p)]:
                props.remove(p)
        text = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
        raw = text.encode("utf-8")
    signatures = [sig for _, sig, _ in iter_suites(io.BytesIO(raw), key)]
    closing = [m.start() for m in re.finditer(r"</properties>", text)]
    if len(closing) == len(signatures):
        out, last = [], 0
        for pos, sig in zip(closing, signatures):
            out += [text[last:pos], f'\t<property name="{FIELD}" value="{sig}"/>\n\t\t']
            last = pos
        out.append(text[last:])
        return "".join(out)
    # Not junit-xml's layout (a suite without properties): add the properties through the tree.
    root = ET.fromstring(raw)
    suites = [root] if _local(root.tag) == "testsuite" else [e for e in root.iter() if _local(e.tag) == "testsuite"]
    for suite, sig in zip(suites, signatures):
        props = next((c for c in suite if _local(c.tag) == "properties"), None)
        if props is None:
            props = ET.Element("properties")
            suite.insert(0, props)
        ET.SubElement(props, "property", {"name": FIELD, "value": sig})
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def verify_junit_suite(computed: str | None, given: str | None) -> str | None:
    """None when a suite's signature property is right, else why not."""
    if given is None:
        return "signature missing"
    if computed is None or not matches(computed, given):
        return "signature does not match (the report was changed after grading, or signed with another key)"
    return None


def signed(kind: str, text: str, environ=None) -> str:
    """A rendered report ("json" or "junit"), signed when GRADE_SIGNING_KEY is set, else as is."""
    key = key_from_env(environ)
    if key is None:
        return text
    return sign_json(text, key) if kind == "json" else sign_junit(text, key)
