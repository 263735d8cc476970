"""What a browser without JavaScript sends for a form left as it opens, read from the page's HTML."""

from __future__ import annotations

from html.parser import HTMLParser


class FormDefaults(HTMLParser):
    """What a browser sends for a form left as it opens: each field's value, a select's chosen option (its
    first one when none is chosen); unticked checkboxes send nothing."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.select = action, False, ""
        self.values: dict[str, str] = {}
        self.first: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = attr.get("action") == self.action
        elif self.inside and tag == "input" and "name" in attr and attr.get("type") != "checkbox":
            self.values[attr["name"]] = attr.get("value", "")
        elif self.inside and tag == "select":
            self.select = attr.get("name", "")
        elif self.inside and tag == "option" and self.select:
            self.first.setdefault(self.select, attr.get("value", ""))
            if "selected" in attr:
                self.values[self.select] = attr.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.values.setdefault(self.select, self.first.get(self.select, ""))
            self.select = ""


def defaults_of(html: str, action: str) -> dict[str, str]:
    parser = FormDefaults(action)
    parser.feed(html)
    return parser.values
