"""``GET /healthz``: the app and its database answer."""

from flask import Blueprint
from sqlalchemy import text

from .extensions import db

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "database": db.engine.dialect.name}
