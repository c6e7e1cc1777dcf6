"""HTML pages for feedback."""

from flask import Blueprint

blp = Blueprint("feedback", __name__)
