"""The small test department, bearer headers per role, and more apps on the same database
(a second worker process, or the app with CSRF protection switched on)."""

from __future__ import annotations

import pytest

from recognition import create_app
from tests.conftest import app_config, dispose_engines


@pytest.fixture
def make_app(instance_path, database_url):
    """``make_app(**config)``: another app object on the test's database, as a second
    gunicorn worker would build it (its own engine and connection pool). Disposed after."""
    built = []

    def build(**overrides):
        other = create_app(app_config(database_url, **overrides))
        built.append(other)
        return other

    yield build
    for other in built:
        dispose_engines(other)


@pytest.fixture
def csrf_client(make_app, dept):
    """A client of the app as deployed: CSRF protection on."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()
