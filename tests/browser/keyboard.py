"""Keyboard use: reaching a control with Tab, and seeing where the focus is."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def tab_to(page: Page, target: Locator, limit: int = 15) -> None:
    """Press Tab until `target` has the focus (it must be reachable within `limit` presses)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} was not reached with {limit} presses of Tab")


def shows_focus(control: Locator) -> bool:
    """A visible focus indicator on the focused `control`: an outline or a focus ring (box shadow)."""
    style: dict[str, str] = control.evaluate(
        "element => { const s = getComputedStyle(element);"
        " return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow}; }")
    return (style["outline"] != "none" and style["width"] != "0px") or style["shadow"] not in ("none", "")
