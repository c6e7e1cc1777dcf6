"""Public verification pages: /verify and /verify/<code>."""

from flask import Blueprint

blp = Blueprint("verify", __name__)
