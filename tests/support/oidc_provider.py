"""A real OpenID provider for the tests (``tests/support/oidc/provider.js``, oidc-provider
on Node), started on a free port, and a person signing in at it over HTTP.

    with running_provider(clients, accounts) as issuer: ...
    callback = university_sign_in(authorize_url, "mentor")   # the app's callback path and query
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc"
UNIVERSITY_PASSWORD = "university password"
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_provider(clients: list[dict], accounts: dict[str, dict], conform: bool = False) -> Iterator[str]:
    """Start provider.js with these clients and accounts (each account's password is
    UNIVERSITY_PASSWORD unless it says otherwise); yields the issuer URL; stops it after.
    ``conform``: the email and other scoped claims come only from the userinfo endpoint."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed for the OpenID provider the sign-in tests start (apt-get install nodejs)")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            "The test OpenID provider is not installed: run `npm ci --prefix tests/support/oidc` (.ci/install does)"
        )
    port = free_port()
    environment = {
        **os.environ,
        "OIDC_TEST_CLIENTS": json.dumps(clients),
        "OIDC_TEST_ACCOUNTS": json.dumps(
            {name: {"password": UNIVERSITY_PASSWORD, **claims} for name, claims in accounts.items()}
        ),
        "OIDC_TEST_CONFORM": "1" if conform else "0",
    }
    process = subprocess.Popen(
        [node, "provider.js", str(port)],
        cwd=PROVIDER_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:  # read everything it prints, so it never blocks on a full pipe
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    printed: list[str] = []
    try:
        while True:
            try:
                line = lines.get(timeout=STARTUP_SECONDS)
            except queue.Empty:
                pytest.fail(f"The OpenID provider did not start within {STARTUP_SECONDS} s: {''.join(printed)}")
            if line is None:
                pytest.fail(f"The OpenID provider exited while starting: {''.join(printed)}")
            printed.append(line)
            if line.startswith("listening on "):
                break
        yield line.removeprefix("listening on ").strip()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def university_sign_in(
    authorize_url: str, username: str, callback_prefix: str, password: str = UNIVERSITY_PASSWORD
) -> str:
    """Follow ``authorize_url`` as a browser would: the provider's sign-in form, filled in
    as ``username``, then its redirects, until it sends the browser back to the app
    (``callback_prefix``). Returns that address's path and query (for the test client)."""
    with requests.Session() as browser:
        return _follow(browser, authorize_url, username, callback_prefix, password)


def _follow(browser: requests.Session, authorize_url: str, username: str, callback_prefix: str, password: str) -> str:
    page = browser.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    action = FORM_ACTION.search(page.text)
    assert action, page.text
    response = browser.post(
        urljoin(page.url, action.group(1)),
        data={"username": username, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    for _ in range(10):
        assert response.status_code in (302, 303), response.text
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(callback_prefix):
            parts = urlsplit(location)
            return f"{parts.path}?{parts.query}"
        response = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")
