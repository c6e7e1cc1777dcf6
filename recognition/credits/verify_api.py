"""/api/v1/verify: public, rate-limited verification of certificates by code."""

from flask_smorest import Blueprint

URL = "/verify"
blp = Blueprint("verify_api", __name__, description="Verify a certificate by its code (public)")
