"""The web app's factory: configuration, extensions, every page and API blueprint and the
error handlers, put together in that order (``recognition.cli`` adds the commands). It is the one module that knows every
domain's pages and API (the import contracts allow no other)."""

from __future__ import annotations

import os
from pathlib import Path
from weakref import WeakSet

from flask import Flask
from flask.templating import Environment
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    apidoc,
    config,
    database,
    errors,
    idempotency,
    models,  # noqa: F401 - every table known to SQLAlchemy and Alembic
    parsing,
    security,
)
from .auth import api as auth_api
from .auth import views as auth_views
from .auth.accounts import api as accounts_api
from .auth.accounts import views as accounts_views
from .auth.current import api_person_id, require_token
from .auth.invitations import api as invitations_api
from .auth.invitations import views as invitations_views
from .auth.oidc import views as oidc_views
from .awards import ledger_checks as award_checks
from .awards.announcement import views as award_winner_views  # noqa: F401 - routes join "nominations"
from .awards.calendar import api as calendar_api
from .awards.calendar import views as calendar_views
from .awards.committee import views as committee_views  # noqa: F401 - routes join "nominations"
from .awards.cycles import api as cycles_api
from .awards.cycles import views as cycle_views  # noqa: F401 - routes join "awards"
from .awards.definitions import api as awards_api
from .awards.definitions import views as awards_views
from .awards.nominations import api as nominations_api
from .awards.nominations import views as nomination_views
from .cases import api as cases_api
from .cases import views as cases_views
from .credits import ledger_checks as statement_checks
from .credits import views as credits_views
from .credits.api import statements as statements_api
from .credits.api import summaries as credits_api
from .dossiers import api as dossiers_api
from .dossiers import ledger_checks as dossier_checks
from .dossiers import views as dossiers_views
from .extensions import api, csrf, db, login_manager, migrate
from .feedback import api as feedback_api
from .feedback import views as feedback_views
from .health import views as health
from .ledger import api as ledger_api
from .ledger import checks as ledger_checks
from .ledger import views as ledger_views
from .mentorships import api as mentorships_api
from .mentorships import views as mentorships_views
from .metrics import api as metrics_api
from .metrics import views as metrics_views
from .metrics.reports import views as metric_reports_views
from .milestones import api as milestones_api
from .milestones import ledger_checks as milestone_checks
from .milestones import views as milestones_views
from .people import api as people_api
from .people import views as people_views
from .reflections import api as reflections_api
from .reflections import ledger_checks as reflection_checks
from .reflections import views as reflections_views
from .roster import api as roster_api
from .roster import views as roster_views
from .verify import api as verify_api
from .verify import views as verify_views

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def templates_folder() -> Path:
    """The pages: inside the package when installed from a wheel, beside it in a checkout
    (and so in an editable install). If neither has them, the packaged place, where
    ``/healthz`` and ``/readyz`` then report them missing."""
    for folder in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if (folder / "base.html").is_file():
            return folder
    return PACKAGE_DIR / "templates"


TEMPLATES_DIR = templates_folder()


class App(Flask):
    """Flask, asking once of each function whether it is a coroutine function: every
    request asks it of each hook and of the view (a dozen times for an API append), and
    the answer never changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_functions: WeakSet = WeakSet()  # left as they are; gone with them

    def ensure_sync(self, func):
        try:
            if func in self._plain_functions:
                return func
        except TypeError:  # not weakly referable: ask every time
            return super().ensure_sync(func)
        synced = super().ensure_sync(func)
        if synced is func:
            self._plain_functions.add(func)
        return synced


class Templates(Environment):
    """Flask's Jinja environment, with each template's globals one dict, made when the
    template loads, as Jinja 2 made them, instead of a view over the environment's (a
    ``ChainMap``): Jinja copies a template's globals into every page's context and checks
    them again at each ``{% from %}`` import, and through the view that took 60 us a page
    (of /mentoring's 2.6 ms). Every global is added while the app is built, before the
    first page loads a template."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


def create_app(test_config: dict | None = None) -> Flask:
    """Build the web app: config → extensions → blueprints → error handlers. The commands
    are the command line's (``recognition.cli.create_app`` adds them; it is the package's
    ``create_app``)."""
    app = App(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("RECOGNITION_INSTANCE_PATH") or None,
        template_folder=str(TEMPLATES_DIR),
    )
    app.jinja_environment = Templates
    config.load(app, test_config)
    app.extensions["recognition.factory"] = create_app  # how a worker process builds its own (credits.batch)
    if not app.config.get("SECRET_KEY"):
        raise config.ConfigurationError(
            "No SECRET_KEY is configured. Run `recognition init` to write one to "
            f"{Path(app.instance_path) / 'config.py'}, or set RECOGNITION_SECRET_KEY."
        )
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        # Flask documents wrapping the WSGI app by assigning to it; its stubs call it a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    register_extensions(app)
    register_blueprints(app)
    register_ledger_checks(app)
    errors.register(app)
    security.register(app)
    idempotency.register(app, owner=api_person_id)
    return app


def register_extensions(app: Flask) -> None:
    app.request_class = parsing.Request
    app.json = parsing.JSONProvider(app)  # every JSON body read with bounded nesting
    database.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    api.init_app(app)
    apidoc.register_components(api)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = apidoc.IdConverter  # before any rule uses <int:…>
    app.url_map.converters["other_than"] = apidoc.OtherThanConverter
    app.register_blueprint(health.blp)
    for module in (
        auth_views,
        oidc_views,
        invitations_views,
        accounts_views,
        people_views,
        mentorships_views,
        ledger_views,
        roster_views,
        feedback_views,
        reflections_views,
        credits_views,
        verify_views,
        awards_views,
        nomination_views,
        calendar_views,
        milestones_views,
        cases_views,
        dossiers_views,
        metrics_views,
        metric_reports_views,
    ):
        app.register_blueprint(module.blp)
    for module in (
        auth_api,
        invitations_api,
        accounts_api,
        people_api,
        mentorships_api,
        ledger_api,
        roster_api,
        feedback_api,
        reflections_api,
        credits_api,
        statements_api,
        verify_api,
        awards_api,
        cycles_api,
        nominations_api,
        calendar_api,
        milestones_api,
        cases_api,
        dossiers_api,
        metrics_api,
    ):
        csrf.exempt(module.blp)  # token-authenticated, never cookie-authenticated
        # Per app, not on the shared module-level blueprint: apps are built more than once.
        # The key of a retried POST is read once the token says whose it is.
        app.before_request_funcs.setdefault(module.blp.name, []).extend([require_token, idempotency.begin])
        api.register_blueprint(module.blp, url_prefix="/api/v1" + module.URL)


def register_ledger_checks(app: Flask) -> None:
    """The rows and signed documents of other domains that ``ledger verify`` checks against
    the chain (``ledger.checks``), in the order they are reported."""
    ledger_checks.register(
        app,
        rows=[reflection_checks.CHECK, award_checks.CHECK, milestone_checks.CHECK],
        heads=[statement_checks.HEADS, dossier_checks.HEADS],
    )
