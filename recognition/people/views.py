"""HTML pages for people."""

from flask import Blueprint

blp = Blueprint("people", __name__)
