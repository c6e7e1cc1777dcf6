"""Every in-app link a person is shown opens for them: from the home page, a crawler per
role follows the app's own links (GET only, same origin) on the demo department and
finds no 404 and no server error."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.site.conftest import ROLES, Demo

# Pages of one shape (a person, a mentorship, an entry ...) are read for links a few
# times each and opened at most OPEN_PER_SHAPE times; a file (a PDF, a CSV) twice. The
# bounds keep a role to a few seconds.
READ_PER_SHAPE = 2
OPEN_PER_SHAPE = 20
FILES_PER_SHAPE = 2
FILE = re.compile(r"\.(pdf|csv|json|ics|png|svg|pem)$")
# Links that change something on a GET by design, or sign out: not followed.
NOT_FOLLOWED = re.compile(r"^/(logout|login|static/)")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.found.append(href)


def links_of(page: str, at: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    found = []
    for href in parser.found:
        target = urldefrag(urljoin("http://localhost" + at, href))[0]
        parts = urlsplit(target)
        if parts.scheme != "http" or parts.netloc != "localhost":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not NOT_FOLLOWED.match(path):
            found.append(path)
    return found


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", urlsplit(path).path)


TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


def crawl(client) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
    """path -> (status, the page that linked to it); and the title of each page read."""
    seen: dict[str, tuple[int, str]] = {}
    titles: dict[str, str] = {}
    read: Counter[str] = Counter()
    opened: Counter[str] = Counter()
    queue = [("/", "")]
    while queue:
        path, source = queue.pop(0)
        kind = shape(path)
        if path in seen or opened[kind] >= (FILES_PER_SHAPE if FILE.search(kind) else OPEN_PER_SHAPE):
            continue
        opened[kind] += 1
        response = client.get(path)
        seen[path] = (response.status_code, source)
        if response.status_code in (301, 302, 303) and response.location:
            queue.extend((link, path) for link in links_of(f'<a href="{response.location}">', path))
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        if read[kind] >= READ_PER_SHAPE:
            continue
        read[kind] += 1
        body = response.get_data(as_text=True)
        title = TITLE.search(body)
        titles[path] = title.group(1) if title else ""
        queue.extend((link, path) for link in links_of(body, path) if link not in seen)
    return seen, titles


@pytest.mark.parametrize("role", ROLES)
def test_no_link_a_person_is_shown_is_broken_for_them(demo: Demo, role):
    client = demo.app.test_client()
    signed_in = client.post("/login", data={"email": demo.logins[role], "password": demo.password})
    assert signed_in.status_code == 302, role
    seen, titles = crawl(client)
    broken = {path: found for path, found in seen.items() if found[0] == 404 or found[0] >= 500}
    assert not broken, f"{role}: {len(broken)} broken links of {len(seen)}: {sorted(broken.items())[:20]}"
    assert len(seen) > 10  # the crawl went somewhere
    # Every page read has a plain-text title (a browser shows markup in a title as text).
    untitled = {path: title for path, title in titles.items() if not title.strip() or "<" in title}
    assert not untitled, f"{role}: titles missing or with markup: {sorted(untitled.items())[:5]}"
