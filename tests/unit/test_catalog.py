"""The one translation mechanism: every sentence of the grader is in the catalog, translated, and
the Korean reads as Korean (grader/text.py; scripts/catalog update after changing messages)."""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from grader import text

ROOT = Path(__file__).resolve().parents[2]
GRADER = ROOT / "grader"
POT = GRADER / "locale" / "grade.pot"
KO = GRADER / "locale" / "ko" / "LC_MESSAGES" / "grade.po"
KEYWORDS = {"_": None, "ngettext": (1, 2)}


def catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def msgid_of(m) -> str:
    return m.id[0] if isinstance(m.id, tuple) else m.id


def extracted() -> set[str]:
    found = extract_from_dir(str(GRADER), method_map=[("**.py", "python")], keywords=KEYWORDS)
    return {(msg[0] if isinstance(msg, tuple) else msg) for _file, _line, msg, _comments, _ctx in found}


def korean() -> list:
    return [m for m in catalog(KO) if m.id]


def fields(s: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(s) if name is not None}


def test_the_template_is_up_to_date_with_the_code():
    in_code = extracted()
    in_pot = {msgid_of(m) for m in catalog(POT) if m.id}
    assert in_code, "no message is marked with _() in grader/"
    assert in_code == in_pot, (
        f"run scripts/catalog update: new in the code {sorted(in_code - in_pot)[:5]}, "
        f"gone from the code {sorted(in_pot - in_code)[:5]}")


def test_babel_sees_every_message_in_the_code():
    # Babel's extractor misses a _() nested in another call inside a _() call's arguments
    # (`_("... {x}", x=join(parts, _(" and ")))`): such a message is never in the catalog and stays
    # English in Korean. Every literal _()/ngettext() call of grader/ must be extracted.
    missed = []
    for py in sorted(GRADER.rglob("*.py")):
        calls = {node.args[0].value for node in ast.walk(ast.parse(py.read_text()))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS
                 and node.args and isinstance(node.args[0], ast.Constant)}
        seen = {msg[0] if isinstance(msg, tuple) else msg
                for _line, msg, _comments, _ctx in extract_from_file("python", str(py), keywords=KEYWORDS)}
        missed += [f"{py.relative_to(ROOT)}: {m!r}" for m in sorted(calls - seen)]
    assert missed == [], "compute the inner message before the outer _() call"


def test_every_message_has_a_korean_translation():
    in_pot = {msgid_of(m) for m in catalog(POT) if m.id}
    done = {msgid_of(m) for m in korean()
            if not m.fuzzy and all(m.string if isinstance(m.string, tuple) else (m.string,))}
    assert in_pot - done == set(), "untranslated or fuzzy in ko/grade.po"


@pytest.mark.parametrize("m", korean(), ids=lambda m: msgid_of(m)[:40])
def test_a_translation_keeps_the_fields_of_its_message(m):
    ids = m.id if isinstance(m.id, tuple) else (m.id,)
    strings = m.string if isinstance(m.string, tuple) else (m.string,)
    wanted = set().union(*(fields(i) for i in ids)) - {"n"}
    for s in strings:
        assert fields(s) - {"n"} == wanted, f"{s!r} must use exactly the fields {sorted(wanted)}"


# Particles whose form depends on the final consonant of the word before them: after a value
# (a `{field}` or a `command`) the right one cannot be known, so the sentence must not need one.
_PARTICLE_AFTER_VALUE = re.compile(r"(?:\}|`)(?:이|가|을|를|은|는|과|와|으로|로|이나|이라|라)(?![가-힣])")
_BOTH_FORMS = re.compile(r"\((?:이|가|을|를|은|는|과|와|으|이)\)")
# What may stay in Latin letters inside Korean: commands, options, ids, file formats and names of
# things that have no Korean name. Everything else is a word to translate.
ALLOWED_LATIN = {
    "grade", "docker", "JSON", "JUnit", "XML", "CSV", "HTML", "YAML", "HTTP", "HTTPS", "TLS", "CPU", "API", "CI",
    "GitLab", "ID", "URL", "HMAC", "Dockerfile", "Podman", "unix", "tcp", "tmpfs", "stdin", "stdout", "stderr",
    "CMD", "ENV", "ENTRYPOINT", "FROM", "RUN", "COPY", "ADD", "WORKDIR", "USER", "LABEL", "EXPOSE", "VOLUME",
    "ch", "GRADE_SIGNING_KEY", "DOCKER_HOST", "LANG", "LANGUAGE", "FILE", "LAB", "PATH", "KB", "MB", "GB", "ms", "s",
    # UTF-8 and UTC are the names of an encoding and a time standard; TODO is the marker a rubric
    # draft leaves for its author to find (grep) and replace, in both languages.
    "UTF", "UTC", "TODO",
}


def latin_words(s: str) -> set[str]:
    s = re.sub(r"`[^`]*`", " ", s)            # commands are typed as they are
    s = re.sub(r"\{[^}]*\}", " ", s)          # values
    s = re.sub(r"\bCtrl-[A-Z]\b", " ", s)      # a key, as Korean keyboards label it (Ctrl-C)
    s = re.sub(r"(?<!\w)--?[\w-]+", " ", s)   # options
    s = re.sub(r"/[^\s/]+(/[^\s]*)?", " ", s)  # paths and /regex/
    return set(re.findall(r"[A-Za-z][A-Za-z_]*", s)) - ALLOWED_LATIN


@pytest.mark.parametrize("m", korean(), ids=lambda m: msgid_of(m)[:40])
def test_the_korean_reads_as_korean(m):
    for s in (m.string if isinstance(m.string, tuple) else (m.string,)):
        assert not _BOTH_FORMS.search(s), f"{s!r}: rephrase instead of writing both particle forms"
        assert not _PARTICLE_AFTER_VALUE.search(s), f"{s!r}: a particle after a value; rephrase"
        assert latin_words(s) == set(), f"{s!r}: English words in Korean"


def test_the_built_catalog_is_the_one_gettext_reads():
    # The install compiled the .po (setup.py): a message renders in Korean through gettext.
    first = next(m for m in korean() if not m.pluralizable)
    assert text.translations("ko").gettext(first.id) == first.string


def test_language_comes_from_the_option_then_LANGUAGE_then_the_locale():
    assert text.detect_lang("en", {"LANGUAGE": "ko"}) == "en"
    assert text.detect_lang(None, {"LANGUAGE": "ko_KR:en", "LANG": "en_US.UTF-8"}) == "ko"
    assert text.detect_lang(None, {"LANGUAGE": "fr:ko", "LANG": "en_US.UTF-8"}) == "ko"
    assert text.detect_lang(None, {"LANGUAGE": "fr", "LANG": "ko_KR.UTF-8"}) == "ko"
    assert text.detect_lang(None, {"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}) == "ko"
    assert text.detect_lang(None, {}) == "en"


def test_one_translation_mechanism():
    """Only the rubric's own bilingual titles and hints are `Authored`; the grader's sentences are
    all catalog messages (no inline English/Korean pairs, no per-language tables)."""
    offenders = []
    for py in GRADER.rglob("*.py"):
        src = py.read_text()
        rel = py.relative_to(ROOT)
        if re.search(r"\bAuthored\((?!\*\*)", src) and py.name not in ("text.py", "rubric.py", "draft.py"):
            offenders.append(f"{rel}: Authored(...) pair")
        if re.search(r'lang\s*==\s*"(ko|en)"', src) and py.name != "text.py":
            offenders.append(f"{rel}: a per-language branch")
        if re.search(r'"ko"\s*:\s*\{', src) and py.name != "schema.py":  # schema.py: the rubric's pairs
            offenders.append(f"{rel}: a per-language table")
    assert offenders == []
