"""/api/v1/roster: CSV imports."""

from flask_smorest import Blueprint

URL = "/roster"
blp = Blueprint("roster_api", __name__, description="Roster imports from spreadsheets")
