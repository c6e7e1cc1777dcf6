"""HTML pages for mentorships."""

from flask import Blueprint

blp = Blueprint("mentorships", __name__)
