"""The Flask extensions, created unbound and initialised in ``create_app``."""

from __future__ import annotations

import flask_smorest
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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
    """flask-smorest without its app-wide error handler: ``errors.py`` owns error rendering
    for pages and API alike."""

    def _register_error_handlers(self):
        pass

    def __init__(self, *args, **kwargs):
        from .apidoc import ErrorSchema

        self.ERROR_SCHEMA = ErrorSchema
        super().__init__(*args, **kwargs)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
api = Api()
