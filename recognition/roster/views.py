"""HTML pages for roster."""

from flask import Blueprint

blp = Blueprint("roster", __name__)
