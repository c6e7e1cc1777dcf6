"""HTML pages for reflections."""

from flask import Blueprint

blp = Blueprint("reflections", __name__)
