"""axe-core in the page: the accessibility rules a browser test runs on every dashboard page.

`tests/fixtures/axe/axe.min.js` is axe-core as published on npm (MPL-2.0, its licence beside
it), injected into the page under test; nothing is fetched at run time. A violation of impact
"serious" or "critical" fails the page.
"""

from __future__ import annotations

from typing import Any

from tests.fixtures import FIXTURES

AXE = FIXTURES / "axe" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page: Any) -> list[str]:
    """The serious and critical violations on the page once it has loaded, one line each:
    rule, impact, and the first few elements it names."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol: the page's CSP (no inline
        # scripts) stays as it is served.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [
        f"{found['id']} ({found['impact']}): {found['help']} at {', '.join(found['nodes'])}"
        for found in result
        if found["impact"] in BLOCKING
    ]


def overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0: nothing scrolls sideways but
    the elements meant to, such as wide tables in their own scroll boxes), once the page has
    loaded: a page still being read can be measured in a layout it never shows whole."""
    page.wait_for_load_state("load")
    width: int = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return max(width, 0)


def too_wide(page: Any) -> list[str]:
    """The outermost elements reaching past the window's right edge (tag, id and classes), to
    say what makes a page wider than a phone."""
    found: list[str] = page.evaluate(
        "() => { const width = document.documentElement.clientWidth; const out = [];"
        " for (const e of document.body.querySelectorAll('*')) {"
        "  if (e.getBoundingClientRect().right <= width + 1) continue;"
        "  const p = e.parentElement;"
        "  if (p && p !== document.body && p.getBoundingClientRect().right > width + 1) continue;"
        "  const classes = typeof e.className === 'string' ? e.className.split(' ') : [];"
        "  out.push([e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''), ...classes]"
        "   .filter(Boolean).join('.'));"
        " } return out.slice(0, 5); }"
    )
    return found
