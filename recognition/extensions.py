"""The Flask extensions, created unbound and initialised in ``create_app``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flask_smorest
from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .apidoc import ErrorSchema, document_unavailable

# Named constraints, so Alembic migrations are stable and errors can be mapped to fields.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Api(flask_smorest.Api):
    """flask-smorest without its app-wide error handler (``errors.py`` owns error rendering
    for pages and API alike), and with the OpenAPI document built when it is first read
    rather than while the app starts: describing every operation took half of
    ``create_app``'s time, which every worker (and every test) paid whether or not anyone
    asked for the document.

    What the foundation adds to every operation's description (the ``Idempotency-Key``
    header, say) is added by a *describer*, ``describe_with(describer)``: a function given
    the document and the app, run once the blueprints are described. The modules that
    describe register themselves, so this one imports none of them."""

    def _register_error_handlers(self):
        pass

    def __init__(self, *args, **kwargs):
        self.ERROR_SCHEMA = ErrorSchema
        self._undocumented: list[tuple] = []
        self._describers: list[Callable[[Any, Flask], None]] = []
        super().__init__(*args, **kwargs)

    def describe_with(self, describer: Callable[[Any, Flask], None]) -> None:
        """Run ``describer(spec, app)`` on the document after the blueprints (once, however
        many apps register it)."""
        if describer not in self._describers:
            self._describers.append(describer)

    @property
    def spec(self):
        """The document, with every blueprint registered so far described in it, in order."""
        spec = self.__dict__.get("_spec")
        if spec is None:  # before ``init_app``: nothing is registered yet
            return None
        pending, self._undocumented = self._undocumented, []
        for blp, app, name, parameters in pending:
            blp.register_views_in_doc(self, app, spec, name=name, parameters=parameters)
            spec.tag({"name": name, "description": blp.description})
        if pending:
            for describe in self._describers:
                describe(spec, self._app)
            document_unavailable(spec)
        return spec

    @spec.setter
    def spec(self, value) -> None:
        self.__dict__["_spec"] = value
        self._undocumented = []

    def register_blueprint(self, blp, *, parameters=None, **options):
        """flask-smorest's ``register_blueprint``, with the describing left for ``spec``."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, self._app, name, parameters))


db = SQLAlchemy(model_class=Base)

# ``db.Model`` is made while the program runs, so a type checker cannot see it: tables
# subclass ``Model``, which is ``db.Model`` at run time and its declarative base to mypy.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
api = Api()
