"""/api/v1/statements: issued credit statements (a statement is its owner's and the admins')."""

from flask_smorest import Blueprint

URL = "/statements"
blp = Blueprint("statements_api", __name__, description="Credit statements: issue, download, revoke")
