"""Credit pages: a person's credits and statements; the admin statement list."""

from flask import Blueprint

blp = Blueprint("credits", __name__)
