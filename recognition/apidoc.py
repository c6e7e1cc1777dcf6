"""OpenAPI pieces shared by every /api/v1 blueprint: the error shape, security, paging."""

from __future__ import annotations

import http

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate


class ErrorSchema(Schema):
    code = fields.Integer(required=True, metadata={"description": "The HTTP status"})
    message = fields.String(required=True, metadata={"description": "What went wrong, for a person"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "For each field at fault, the rules it broke"},
    )


def errors_for(*codes: int, public: bool = False):
    """Document the error responses an endpoint can give, and that it needs a token."""
    responses = {
        str(code): {
            "description": http.HTTPStatus(code).phrase,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }
    extra = {} if public else {"security": [{"bearerAuth": []}]}
    return Blueprint.doc(responses=responses, **extra)


def register_components(api) -> None:
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/tokens gives one"}
    )


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=500))


class PageMetaSchema(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A response schema ``{"items": [...], "meta": {...}}`` for a list endpoint."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item_schema)), "meta": fields.Nested(PageMetaSchema)},
        name=name,
    )


def paginate(session, statement, args) -> dict:
    per_page = args.get("per_page") or current_app.config["API_PAGE_SIZE"]
    result = session.execute(statement.limit(per_page).offset((args["page"] - 1) * per_page)).unique()
    items = list(result.scalars())
    from sqlalchemy import func, select

    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    return {"items": items, "meta": {"page": args["page"], "per_page": per_page, "total": total, "pages": pages}}
