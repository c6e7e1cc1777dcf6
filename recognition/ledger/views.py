"""HTML pages for ledger."""

from flask import Blueprint

blp = Blueprint("ledger", __name__)
