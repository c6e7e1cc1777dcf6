"""The small test department, bearer headers per role, and more apps on the same database
(a second worker process, or the app with CSRF protection switched on)."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_app(database_url, app_on):
    """``make_app(**config)``: another app object on the test's database, as a second
    gunicorn worker would build it (its own engine and connection pool). Disposed after."""
    return lambda **overrides: app_on(database_url, **overrides)


@pytest.fixture
def csrf_client(make_app, dept):
    """A client of the app as deployed: CSRF protection on."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()
