"""/api/v1/feedback: instruments, requests, answers, reports, division views."""

from flask_smorest import Blueprint

URL = "/feedback"
blp = Blueprint("feedback_api", __name__, description="Anonymous mentee feedback")
