"""Fixtures: every test that touches the database runs on SQLite and on PostgreSQL.

The ledger tables refuse DELETE and TRUNCATE, so nothing is cleaned between tests: each
test gets a fresh database. The schema is migrated once per backend into a template
(a SQLite file, a PostgreSQL template database) and copied per test, which costs tens of
milliseconds instead of a migration.

A developer may run one backend with ``RECOGNITION_TEST_BACKENDS=sqlite``; CI never
sets it, so CI runs everything on both.
"""

from __future__ import annotations

import copy
import gc
import itertools
import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade
from flask_sqlalchemy import SQLAlchemy
from hypothesis import settings
from jinja2 import BytecodeCache
from sqlalchemy import func, select
from sqlalchemy.util import LRUCache
from werkzeug.routing.rules import Rule

from recognition import create_app
from recognition.credits import signing
from recognition.extensions import db
from recognition.ledger.models import LedgerEntry
from tests.support.department import PASSWORD, Department
from tests.support.pg_cluster import URL_ENV, start_server

T = TypeVar("T")

settings.register_profile("ci", deadline=None)
settings.load_profile("ci")


def _share_url_builders() -> None:
    """Most tests build an app, and werkzeug compiles two URL-builder functions (Python
    source, parsed and compiled) for each of the app's ~200 rules every time: 80% of
    ``create_app``. The function depends only on the rule's parsed parts and defaults and
    takes the rule as its first argument, so one compiled function serves every app's copy
    of the rule. Tests only: a running app builds its map once."""
    original = Rule._compile_builder
    built: dict[tuple, object] = {}

    def shared(self, append_unknown: bool = True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in built:
            built[key] = original(self, append_unknown)
        return built[key]

    Rule._compile_builder = shared


_share_url_builders()


def _share_compiled_statements() -> None:
    """Every test app gets engines of its own, and SQLAlchemy keeps compiled SQL per engine,
    keyed by the engine's dialect object: each test compiled every statement it ran afresh
    (a fifth of a test's time). Engines made with the same driver and options share one
    dialect and one compiled cache, as one long-running app's engine does for all its
    requests. Tests only: a running app makes its engine once."""
    make = SQLAlchemy._make_engine
    shared: dict[str, tuple] = {}

    def sharing(self, bind_key, options, app):
        engine = make(self, bind_key, options, app)
        key = repr((engine.url.drivername, sorted((k, repr(v)) for k, v in options.items() if k != "url")))
        if key not in shared:
            shared[key] = (engine.dialect, LRUCache(20_000))
        engine.dialect, engine._compiled_cache = shared[key]
        engine.pool._dialect = engine.dialect
        return engine

    SQLAlchemy._make_engine = sharing


_share_compiled_statements()


class _CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept in memory for every app of the run. Each app has a
    Jinja environment of its own, so each test parsed and compiled every template it
    rendered again; this is Jinja's own cache of compiled templates (checked against the
    template's source), shared as a file cache would be between processes."""

    def __init__(self):
        self.codes: dict[str, tuple[str | None, object]] = {}

    def load_bytecode(self, bucket) -> None:
        found = self.codes.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket) -> None:
        self.codes[bucket.key] = (bucket.checksum, bucket.code)


def _share_compiled_templates() -> None:
    make = Flask.create_jinja_environment
    compiled = _CompiledTemplates()

    def sharing(self):
        environment = make(self)
        environment.bytecode_cache = compiled
        return environment

    Flask.create_jinja_environment = sharing


_share_compiled_templates()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is alive once the tests are collected (modules, the app's definitions) lives
    for the whole run: keep the garbage collector from walking it again and again, and let
    it run less often. Each test builds an app of a few hundred thousand objects, and
    collections triggered while it did took as long as the rest of building it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


ENV_PREFIX = "RECOGNITION_"
_names = itertools.count(1)
ALL_BACKENDS = ("sqlite", "postgresql")
# Read now: every test clears RECOGNITION_* from the environment before it builds an app.
POSTGRES_URL = os.environ.get(URL_ENV)


def selected_backends() -> list[str]:
    raw = os.environ.get("RECOGNITION_TEST_BACKENDS", "")
    chosen = [name.strip() for name in raw.split(",") if name.strip()] or list(ALL_BACKENDS)
    unknown = set(chosen) - set(ALL_BACKENDS)
    if unknown:
        raise pytest.UsageError(f"RECOGNITION_TEST_BACKENDS names unknown backends: {unknown}")
    return chosen


def app_config(database_url: str, **overrides) -> dict:
    """The config every test app starts from; argon2 is made cheap so logins are fast."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "DATABASE_URL": database_url,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 1024,
        "ARGON2_PARALLELISM": 1,
        # A fixed address for links; tests of the derived one pass BASE_URL=None.
        "BASE_URL": "http://127.0.0.1:5000",
        **overrides,
    }


def clear_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``RECOGNITION_*`` variables override config, so none may leak into a test app."""
    for key in list(os.environ):
        if key.startswith(ENV_PREFIX):
            monkeypatch.delenv(key)


def dispose_engines(app) -> None:
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def migrate(database_url: str, instance_path) -> None:
    """Build an app on ``database_url`` and run every Alembic migration against it."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        clear_environment(monkeypatch)
        monkeypatch.setenv("RECOGNITION_INSTANCE_PATH", str(instance_path))
        app = create_app(app_config(database_url))
        with app.app_context():
            upgrade()
        dispose_engines(app)


# --- which backends, and which worker ----------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``dialect_independent`` runs on the first selected backend only
    (SQLite, unless ``RECOGNITION_TEST_BACKENDS`` says otherwise). Runs before pytest's
    own parametrisation, which then takes this mark in place of the ``backend`` params."""
    if "backend" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("dialect_independent") is None:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
        if "backend" in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return
    metafunc.definition.add_marker(pytest.mark.parametrize("backend", selected_backends()[:1], indirect=True))


MODULE_SCOPES = ("module", "package")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup`` (the default, see pyproject.toml) the tests of a module
    that uses a module-scoped fixture (a grown ledger, a demo department) run on one
    worker, so that fixture is built once per backend rather than once per worker, and so
    do the tests marked ``browser``, which share one Chromium. Tests already in an
    ``xdist_group`` keep theirs."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.xdist_group("browser"))
            continue
        info = getattr(item, "_fixtureinfo", None)
        definitions = info.name2fixturedefs.values() if info is not None else ()
        if any(fixture.scope in MODULE_SCOPES for chain in definitions for fixture in chain):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


# --- the browser, one per worker ----------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per worker, started when a test first asks for it; each test
    opens a context of its own, so no cookies or storage are shared. One per worker because
    Playwright's sync API cannot run twice in one thread. The tests marked ``browser`` all
    run on one worker (``pytest_collection_modifyitems``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


# --- templates, one per backend per session -------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    migrate(f"sqlite:///{path}", folder)
    # The app runs SQLite in WAL mode; fold the log back in so one file is the whole copy.
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")
    return path


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    server = start_server(POSTGRES_URL)
    try:
        migrate(server.create_template(), tmp_path_factory.mktemp("postgres-template"))
        yield server
    finally:
        server.close()


# --- per test ---------------------------------------------------------------------------


@pytest.fixture(params=selected_backends())
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path):
    """A freshly migrated database of the chosen backend, gone after the test: empty, or
    holding the small department when the test asks for ``dept``."""
    with fresh_database(request, backend, tmp_path, with_dept="dept" in request.fixturenames) as url:
        yield url


@contextmanager
def fresh_database(
    request: pytest.FixtureRequest, backend: str, folder, with_dept: bool = False, source: str | None = None
):
    """A new migrated database of ``backend`` (a copy of the SQLite template in ``folder``,
    or a PostgreSQL database from the template), empty or, ``with_dept``, holding the small
    department (``dept_templates``), or a copy of ``source`` (a database that
    ``seeded_templates`` built); yields its URL and drops it after. Dispose every engine on
    it first (``dispose_engines``)."""
    if with_dept:
        source = request.getfixturevalue("dept_templates").source(request, backend)
    if backend == "sqlite":
        path = Path(folder) / f"recognition-{next(_names)}.sqlite3"
        shutil.copyfile(source or request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_server")
    name = server.create_from_template(source)
    yield server.database_url(name)
    try:
        server.drop(name)
    except psycopg.errors.ObjectInUse:
        raise RuntimeError(
            f"Database {name} still has connections after the test: dispose the engine "
            "of every app the test built (see dispose_engines)."
        ) from None


@pytest.fixture(scope="session")
def signing_keys(tmp_path_factory) -> Path:
    """A signing key and its key ring, made once as ``recognition init`` makes them."""
    folder = tmp_path_factory.mktemp("signing-keys")
    signing.ensure_key(folder)
    return folder


@pytest.fixture
def instance_path(monkeypatch, tmp_path, signing_keys):
    """A private instance folder holding the signing key ``recognition init`` would have
    made (a copy of the session's), and an environment free of ``RECOGNITION_*`` overrides."""
    clear_environment(monkeypatch)
    path = tmp_path / "instance"
    path.mkdir()
    for name in (signing.KEY_FILE, signing.RING_FILE):
        shutil.copyfile(signing_keys / name, path / name)
    monkeypatch.setenv("RECOGNITION_INSTANCE_PATH", str(path))
    return path


@contextmanager
def module_app(request: pytest.FixtureRequest, tmp_path_factory, name: str, source: str | None = None):
    """For a module-scoped fixture parametrised over the backends: an app of its own on a
    fresh database of ``request.param`` (a copy of ``source`` when given, see
    ``seeded_templates``), with an instance folder holding the session's signing key (as
    ``recognition init`` makes it) and no ``RECOGNITION_*`` overrides; its engines are
    disposed after."""
    folder = tmp_path_factory.mktemp(name)
    instance = folder / "instance"
    instance.mkdir()
    keys = request.getfixturevalue("signing_keys")
    for key_file in (signing.KEY_FILE, signing.RING_FILE):
        shutil.copyfile(keys / key_file, instance / key_file)
    with pytest.MonkeyPatch.context() as monkeypatch:
        clear_environment(monkeypatch)
        monkeypatch.setenv("RECOGNITION_INSTANCE_PATH", str(instance))
        with fresh_database(request, request.param, folder, source=source) as url:
            built = create_app(app_config(url))
            try:
                yield built
            finally:
                dispose_engines(built)


@pytest.fixture
def app(instance_path, database_url):
    app = create_app(app_config(database_url))
    yield app
    dispose_engines(app)


# Variants of ``app`` (for example one with CSRF enabled) belong here, built the same way.


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    with app.app_context():
        yield db.session


# The small department most tests use (tests/support/department.py) ---------------------


class DeptTemplates:
    """The small department built once per backend into a copy of the empty template,
    then copied per test like the empty one (building it costs more than copying it)."""

    def __init__(self, folder: Path, keys: Path):
        self.folder, self.keys = folder, keys
        self.built: dict[str, tuple[str, Department]] = {}

    def source(self, request: pytest.FixtureRequest, backend: str) -> str:
        if backend not in self.built:
            self.built[backend] = self._build(request, backend)
        return self.built[backend][0]

    def department(self, backend: str) -> Department:
        return copy.deepcopy(self.built[backend][1])

    def _build(self, request: pytest.FixtureRequest, backend: str) -> tuple[str, Department]:
        return seed_template(request, backend, self.folder / "dept.sqlite3", self.keys, Department.build)


def seed_template(request: pytest.FixtureRequest, backend: str, path: Path, keys: Path, seed: Callable[[], T]):
    """A copy of the empty migrated template of ``backend`` (the SQLite file ``path``, or a
    PostgreSQL database kept as a template for the session) into which ``seed()`` wrote,
    run in the context of an app on it with the signing keys in ``keys``; returns the
    copy's name (a ``source`` for ``fresh_database``) and what ``seed`` returned."""
    if backend == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url, name = f"sqlite:///{path}", str(path)
    else:
        server = request.getfixturevalue("postgres_server")
        name = server.create_from_template()
        server.keep_as_template(name)
        url = server.database_url(name)
    with pytest.MonkeyPatch.context() as monkeypatch:
        clear_environment(monkeypatch)
        monkeypatch.setenv("RECOGNITION_INSTANCE_PATH", str(keys))
        app = create_app(app_config(url))
        try:
            with app.app_context():
                value = seed()
        finally:
            dispose_engines(app)
    if backend == "sqlite":
        # The app runs SQLite in WAL mode; fold the log back in so one file is the whole copy.
        with closing(sqlite3.connect(name)) as connection:
            connection.execute("PRAGMA journal_mode = DELETE")
    return name, value


class SeededTemplates:
    """Databases that cost more to build than to copy (a demo department, a department
    part-way through an awards cycle), built once per backend per worker by a ``seed``
    function and then copied per test like the empty template:

        source, value = seeded_templates.get(request, backend, "demo", lambda: builder.load(...))
        with fresh_database(request, backend, tmp_path, source=source) as url: ...

    ``seed`` runs in an app context on a fresh migrated database and must give the same
    rows whenever it runs; ``value`` (a deep copy per call) is whatever it returned."""

    def __init__(self, folder: Path, keys: Path):
        self.folder, self.keys = folder, keys
        self.built: dict[tuple[str, str], tuple[str, object]] = {}

    def get(self, request: pytest.FixtureRequest, backend: str, key: str, seed: Callable[[], T]) -> tuple[str, T]:
        if (key, backend) not in self.built:
            path = self.folder / f"{key}-{backend}.sqlite3"
            self.built[key, backend] = seed_template(request, backend, path, self.keys, seed)
        source, value = self.built[key, backend]
        return source, copy.deepcopy(value)  # type: ignore[return-value]


@pytest.fixture(scope="session")
def seeded_templates(tmp_path_factory, signing_keys) -> SeededTemplates:
    return SeededTemplates(tmp_path_factory.mktemp("seeded-templates"), signing_keys)


@pytest.fixture(scope="session")
def dept_templates(tmp_path_factory, signing_keys) -> DeptTemplates:
    return DeptTemplates(tmp_path_factory.mktemp("dept-template"), signing_keys)


@pytest.fixture
def dept(app, backend, dept_templates) -> Department:
    """The small department, already in the test's database (``database_url`` copied it
    from its template)."""
    return dept_templates.department(backend)


@pytest.fixture
def headers(client, dept):
    """``headers(role)``: bearer-token headers for that role, one token per role per test;
    ``headers(None)`` sends no token."""
    issued: dict[str, dict[str, str]] = {}

    def for_role(role: str | None) -> dict[str, str]:
        if role is None:
            return {}
        if role not in issued:
            issued[role] = dept.headers(client, role)
        return issued[role]

    return for_role


@pytest.fixture
def auth(headers):
    """The API tests' name for ``headers``."""
    return headers


# Pages: signing in, counting ledger rows, and an app with CSRF protection on -------------


@pytest.fixture
def login(dept):
    """``login(client, role)``: sign the client in as that role's person; returns the client."""

    def sign_in(client, role: str):
        response = client.post("/login", data={"email": dept.email(role), "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


@pytest.fixture
def ledger_rows(app):
    """``ledger_rows()``: how many entries the ledger holds now."""

    def count() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(LedgerEntry))

    return count


@pytest.fixture
def csrf_client(app):
    """A client of a second app on the same database, with CSRF protection switched on."""
    settings = {
        key: app.config[key]
        for key in (
            "TESTING",
            "SECRET_KEY",
            "DATABASE_URL",
            "ARGON2_TIME_COST",
            "ARGON2_MEMORY_COST_KIB",
            "ARGON2_PARALLELISM",
        )
    }
    protected = create_app({**settings, "WTF_CSRF_ENABLED": True})
    yield protected.test_client()
    with protected.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def script_apps(instance_path, monkeypatch):
    """Apps the ``recognition`` script builds for itself while a test runs it (``init``,
    ``cli.main``), disposed after. Request it after ``database_url``."""
    from recognition import cli

    built = []
    build = cli._create_app

    def recording():
        made = build()
        built.append(made)
        return made

    monkeypatch.setattr(cli, "_create_app", recording)
    yield built
    for made in built:
        dispose_engines(made)


@pytest.fixture
def app_on(instance_path):
    """``app_on(database_url, **config)``: another app object built as the ``app`` fixture's
    is (its own engine and connection pool, like a second gunicorn worker); disposed after.
    Request it after ``database_url``, so its apps are disposed before the database is dropped."""
    built = []

    def build(url: str, **overrides):
        other = create_app(app_config(url, **overrides))
        built.append(other)
        return other

    yield build
    for other in built:
        dispose_engines(other)
