"""Accessibility checks with axe-core (from npm, `node_modules/axe-core`): the page as it is now is
checked against WCAG 2.x A/AA and axe's best practices; violations of impact serious or critical fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")
# One object per violation, kept small: what the rule is, how bad, and where (at most five elements).
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
}"""


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations of every impact on `page` (axe is added to the page once)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        if not AXE.exists():
            raise AssertionError(f"{AXE} is missing: run `make install` (axe-core comes from npm)")
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(RUN)
    return found


def assert_accessible(page: Page) -> None:
    """No serious or critical axe violation on `page`; the message names each rule and its elements."""
    serious = [v for v in violations(page) if v["impact"] in FAILING]
    if serious:
        lines = [f"{v['impact']}: {v['id']} ({v['help']})" + "".join(
            f"\n    {n['target']}: {' '.join(n['summary'].split())}" for n in v["nodes"]) for v in serious]
        raise AssertionError(f"accessibility problems on {page.url}:\n  " + "\n  ".join(lines))
