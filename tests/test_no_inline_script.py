"""The Content-Security-Policy allows only script files of our own: no template carries an inline
script or an on...= handler, and no script builds code from text. (The browser tests check the
rendered pages too: every one of them fails on a CSP violation Chromium reports.)"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("integrations/templates/**/*.html")]
SCRIPTS = list(ROOT.glob("static/**/*.js"))

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
CODE_FROM_TEXT = re.compile(
    r"\beval\s*\(|\bnew\s+Function\s*\(|setAttribute\(\s*[\"']on|\.on[a-z]+\s*=\s*[\"']"
)


def test_there_are_templates_and_scripts_to_check() -> None:
    assert len(TEMPLATES) > 10 and len(SCRIPTS) >= 3


def test_no_template_has_an_inline_script_a_handler_or_a_javascript_url() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)[:80]}"
        for path in TEMPLATES
        for pattern in (INLINE_SCRIPT, HANDLER, JAVASCRIPT_URL)
        for match in pattern.finditer(path.read_text())
    ]
    assert found == []


def test_no_script_builds_code_from_text() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in SCRIPTS
        for match in CODE_FROM_TEXT.finditer(path.read_text())
    ]
    assert found == []


def test_the_patterns_catch_what_they_are_for() -> None:
    assert INLINE_SCRIPT.search('<script>fetch("/x")</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert HANDLER.search('<button type="button" onclick="go()">')
    assert not HANDLER.search('<tr data-done="true">')
    assert JAVASCRIPT_URL.search('<a href="javascript:void(0)">')
    assert CODE_FROM_TEXT.search("const f = new Function(text);")
    assert CODE_FROM_TEXT.search('button.setAttribute("onclick", code)')
