"""The main pages of a role: the home page and every page its menu links to."""

from __future__ import annotations

from html.parser import HTMLParser


class MenuLinks(HTMLParser):
    """The hrefs of the links inside the site header's ``nav``."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "nav":
            self.depth += 1
        elif tag == "a" and self.depth:
            href = dict(attrs).get("href")
            if href and href.startswith("/"):
                self.found.append(href)

    def handle_endtag(self, tag):
        if tag == "nav" and self.depth:
            self.depth -= 1


def main_pages(context) -> list[str]:
    """Read through ``context`` (a signed-in playwright browser context)."""
    parser = MenuLinks()
    parser.feed(context.request.get("/").text())
    return ["/", *dict.fromkeys(parser.found)]
