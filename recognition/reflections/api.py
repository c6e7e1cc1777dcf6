"""/api/v1/reflections: reflections on feedback received (private to their author)."""

from flask_smorest import Blueprint

URL = "/reflections"
blp = Blueprint("reflections_api", __name__, description="Reflections on feedback received")
