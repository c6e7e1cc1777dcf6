"""/api/v1/credits: frameworks, a person's credit summary and profile, the MAINPORT export."""

from flask_smorest import Blueprint

URL = "/credits"
blp = Blueprint("credits_api", __name__, description="Credit frameworks, summaries and the MAINPORT export")
