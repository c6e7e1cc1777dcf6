"""Real headless Chromium (Debian's, never a downloaded one) and signing in and out."""

from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from recognition import create_app
from recognition.extensions import db
from tests.support.department import PASSWORD


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.console_problems = []
        page.on(
            "console",
            lambda message: message.type in ("error", "warning") and page.console_problems.append(message.text),
        )
        yield page
    finally:
        context.close()


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")  # the keyboard is enough


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


@pytest.fixture
def journey_app(instance_path, sqlite_template, tmp_path):
    """An app with CSRF on, on a copy of the migrated template database (SQLite)."""
    path = tmp_path / "journey.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app(
        {
            "SECRET_KEY": "journey",
            "DATABASE_URL": f"sqlite:///{path}",
            "WTF_CSRF_ENABLED": True,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST_KIB": 1024,
            "ARGON2_PARALLELISM": 1,
        }
    )
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@contextmanager
def serving(app):
    """The app on a free localhost port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
