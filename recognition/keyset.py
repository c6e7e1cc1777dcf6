"""Paging by keyset: a page is the rows after (or before) the last (first) row shown, in
the list's order, so a deep page reads what the first page reads (an index range of a
page and one row more), however many rows come before it.

A list gives its order as columns or expressions, each ascending or ``.desc()``, the last
one unique (an id): ``(Person.name, Person.id)``. The cursor of a page names the sort
keys of the row it starts after (or before), the number of the page it leads to and the
list's total as counted on its first page; it is signed with the app's secret key, so a
cursor that was changed, or that belongs to a list ordered otherwise, is refused (a
``DomainError`` naming ``cursor``: a 422 on the API, a message on a page).

Totals: a list is counted only on a page asked for without a cursor (the first page, or a
``page`` number on the API), and at most ``COUNT_CAP`` + 1 rows are counted; beyond that
the total is "more than 1,000". Cursor pages carry the total counted on the first page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from flask import current_app, g, has_request_context
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from marshmallow import Schema, validate
from sqlalchemy import Select, and_, false, func, literal, or_, select, tuple_
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from . import fields
from .apidoc import PageArgsSchema, PageMetaSchema, page_schema
from .errors import DomainError

# More rows than this are not counted: the list says "more than 1,000".
COUNT_CAP = 1000
REFUSED = "must be meta.next or meta.previous of an earlier page of this list (the link may be out of date)"


@dataclass(frozen=True)
class Key:
    """One sort key of a list: an expression, and whether it runs high to low."""

    expression: ColumnElement
    descending: bool

    @property
    def kind(self) -> type:
        return self.expression.type.python_type


def keys_of(order: Sequence[Any]) -> list[Key]:
    """``(Person.name, Person.id)`` or ``(Mentorship.started_on.desc(), Mentorship.id.desc())``
    as keys. A column that may hold NULL is refused: a row after NULL cannot be named with
    ``>`` or ``<``, and SQLite and PostgreSQL sort NULL at opposite ends (wrap it in
    ``coalesce``, or order by ``column IS NULL`` first)."""
    found = []
    for item in order:
        element = item.__clause_element__() if hasattr(item, "__clause_element__") else item
        if isinstance(element, UnaryExpression) and element.modifier in (operators.desc_op, operators.asc_op):
            key = Key(element.element, element.modifier is operators.desc_op)
        else:
            key = Key(element, False)
        if getattr(key.expression, "nullable", False) or isinstance(key.expression, UnaryExpression):
            raise TypeError(f"a list cannot page by {key.expression}: it may be NULL, or names NULLs' place")
        found.append(key)
    return found


@dataclass(frozen=True)
class Position:
    """Where a page starts: after (or, ``backward``, before) the row with these sort keys."""

    values: tuple
    backward: bool = False
    number: int = 1  # of the page it leads to, from 1
    total: int | None = None  # as counted on the first page (capped: see ``more``)
    more: bool = False  # more than COUNT_CAP rows


def _serializer(keys: list[Key], context: str = "") -> URLSafeSerializer:
    # The salt names the list's order and its context (who asks, the filters, the page's
    # size): a cursor of a list ordered otherwise, or made for someone else or other
    # filters, is refused, so it never carries another list's count to this one.
    order = ",".join(f"{key.expression}{' desc' if key.descending else ''}" for key in keys)
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"recognition.keyset {order} {context}")


def context_of(filters: Mapping[str, Any], per_page: int) -> str:
    """What a cursor is bound to besides its list's order: the person asking (an API
    token's owner, or the signed-in person), the list's filters and its page size, as a
    digest (the filters never show in the cursor)."""
    actor = g.get("api_actor") if has_request_context() else None
    viewer = actor.person_id if actor is not None else (current_user.get_id() if has_request_context() else None)
    plain = sorted((key, repr(value)) for key, value in filters.items() if key not in ("page", "cursor", "per_page"))
    return hashlib.sha256(repr((str(viewer), per_page, plain)).encode()).hexdigest()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def encode(position: Position, keys: list[Key], context: str = "") -> str:
    body = [[_plain(value) for value in position.values], position.backward, position.number]
    return _serializer(keys, context).dumps([*body, position.total, position.more])


def decode(text: str, keys: list[Key], context: str = "") -> Position:
    """The position a cursor names, or a ``DomainError`` naming ``cursor``."""
    try:
        values, backward, number, total, more = _serializer(keys, context).loads(text)
        if not (isinstance(values, list) and len(values) == len(keys)):
            raise ValueError("wrong number of keys")
        typed = tuple(_typed(value, key.kind) for value, key in zip(values, keys, strict=True))
        if not (isinstance(backward, bool) and isinstance(more, bool) and _count(number) and number >= 1):
            raise ValueError("malformed position")
        if total is not None and not _count(total):
            raise ValueError("malformed total")
    except (BadSignature, ValueError, TypeError):
        raise DomainError.field("cursor", REFUSED) from None
    return Position(typed, backward, number, total, more)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**31


def _typed(value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if _count(value):
            return value
    elif kind is str:
        if isinstance(value, str):
            return value
    elif kind is datetime:
        return datetime.fromisoformat(value)
    elif kind is date:
        return date.fromisoformat(value)
    raise ValueError(f"not a {kind.__name__}")


def _beyond(keys: list[Key], values: tuple, backward: bool) -> ColumnElement[bool]:
    """Rows that come after ``values`` in the keys' order (before them, ``backward``). Keys
    that all run one way compare as one row value, which an index on them serves as a range."""
    later = [key.descending == backward for key in keys]  # True: "after" is "greater"
    if all(later) or not any(later):
        left, right = tuple_(*(key.expression for key in keys)), tuple_(*_bound(keys, values))
        return left > right if later[0] else left < right
    bound = _bound(keys, values)
    arms = []
    for n, key in enumerate(keys):
        equal = [keys[m].expression == bound[m] for m in range(n)]
        step = key.expression > bound[n] if later[n] else key.expression < bound[n]
        arms.append(and_(*equal, step))
    return or_(*arms) if arms else false()


def _bound(keys: list[Key], values: tuple) -> list:
    """The values as parameters of their keys' types (a date as SQLite stores dates)."""
    return [literal(value, type_=key.expression.type) for key, value in zip(keys, values, strict=True)]


def count(session, statement: Select) -> tuple[int, bool]:
    """How many rows ``statement`` has, up to COUNT_CAP, and whether there are more."""
    capped = statement.order_by(None).limit(COUNT_CAP + 1).subquery()
    found = session.scalar(select(func.count()).select_from(capped)) or 0
    return min(found, COUNT_CAP), found > COUNT_CAP


def page(
    session,
    statement: Select,
    order: Sequence[Any],
    *,
    per_page: int,
    cursor: str | None = None,
    number: int = 1,
    context: str = "",
) -> dict:
    """A page of ``statement`` (a select of one entity; any order it has is replaced) in
    ``order``: the one ``cursor`` names, or else page ``number`` (skipping the pages before
    it: the API's ``page``; pages use cursors). Answers ``{"items": [...], "meta": {...}}``, the meta with
    ``page``, ``per_page``, ``total`` and ``pages`` (left out when there are more than
    COUNT_CAP rows: ``more_than`` says so), ``next`` and ``previous`` (cursors, or None).
    The cursors are bound to ``context`` (``context_of``) as well as to the order."""
    keys = keys_of(order)
    if cursor:
        position = decode(cursor, keys, context)
    else:
        total, more = count(session, statement)
        position = Position((), number=number, total=total, more=more)
    directed = [key.expression.desc() if key.descending != position.backward else key.expression for key in keys]
    labelled = [key.expression.label(f"keyset_{n}") for n, key in enumerate(keys)]
    query = statement.add_columns(*labelled).order_by(None).order_by(*directed).limit(per_page + 1)
    if cursor:
        query = query.where(_beyond(keys, position.values, position.backward))
    elif number > 1:
        query = query.offset((number - 1) * per_page)
    rows = list(session.execute(query).unique())
    further = len(rows) > per_page  # one more than the page: is there another, without counting
    rows = rows[:per_page]
    if position.backward:
        rows.reverse()
    number = position.number
    if position.backward:
        # Rows added or removed since may have moved the start: the first page is the one
        # with nothing before it, whatever number the cursor carried.
        number = max(number, 2) if further else 1
    has_next = further if not position.backward else bool(rows)
    has_previous = number > 1 and bool(rows)
    carried = replace(position, backward=False, values=())

    def link(row, *, backward: bool) -> str:
        values = tuple(row[1:])
        following = replace(carried, values=values, backward=backward, number=number + (-1 if backward else 1))
        return encode(following, keys, context)

    meta: dict[str, Any] = {
        "page": number,
        "per_page": per_page,
        "next": link(rows[-1], backward=False) if has_next and rows else None,
        "previous": link(rows[0], backward=True) if has_previous else None,
    }
    if position.more:
        meta["more_than"] = COUNT_CAP
    elif position.total is not None:
        meta["total"] = position.total
        meta["pages"] = max(1, -(-position.total // per_page))
    return {"items": [row[0] for row in rows], "meta": meta}


KEYSET_PAGING = (
    "Two ways to page: `page` and `per_page` (an offset: a deep page costs more, as the database skips the "
    "rows before it), or `cursor`, the `meta.next` or `meta.previous` of a page (a keyset: every page costs "
    "what the first costs; `page` is then ignored). A cursor that was changed, or is of another list, is a 422 "
    "naming `cursor`."
)
KEYSET_TOTAL = (
    f"Counted only for a request without a `cursor`, and at most {COUNT_CAP:,} rows: `total` and "
    f"`pages` are left out when there are more (`more_than` says {COUNT_CAP}); a `cursor` page gives "
    "the total counted on the first page. Walking a long list never counts it again on every page."
)


class KeysetArgsSchema(PageArgsSchema):
    cursor = fields.String(validate=validate.Length(min=1, max=2000), metadata={"description": KEYSET_PAGING})


class KeysetMetaSchema(PageMetaSchema):
    total = fields.Integer(metadata={"description": KEYSET_TOTAL})
    more_than = fields.Integer(
        metadata={"description": f"Present (as {COUNT_CAP}) when the list has more rows than are counted"}
    )
    next = fields.String(allow_none=True, metadata={"description": "The cursor of the next page; null on the last"})
    previous = fields.String(
        allow_none=True, metadata={"description": "The cursor of the page before; null on the first"}
    )


def keyset_page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The response schema of a list ``paginate`` pages."""
    return page_schema(item_schema, name, KeysetMetaSchema)


def paginate(session, statement, args, order) -> dict:
    """A page of ``statement`` in ``order`` (columns, the last unique) for the API: the one
    ``args["cursor"]`` names, or else page ``args["page"]``."""
    per_page = args.get("per_page") or current_app.config["API_PAGE_SIZE"]
    return page(
        session,
        statement,
        order,
        per_page=per_page,
        cursor=args.get("cursor"),
        number=args.get("page", 1),
        context=context_of(args, per_page),
    )


def browse(session, statement: Select, order: Sequence[Any], *, per_page: int, args) -> dict:
    """A page of a list page (``args``: the request's query string): the one its ``cursor``
    names (or its ``page`` number, for an address kept from before cursors). A cursor that
    is refused gives the first page, with ``meta.refused`` saying why, for the page to show."""
    number = args.get("page", 1, type=int) or 1
    context = context_of(query_of(args), per_page)
    try:
        return page(
            session,
            statement,
            order,
            per_page=per_page,
            cursor=args.get("cursor"),
            number=min(max(1, number), 10**6),
            context=context,
        )
    except DomainError:
        found = page(session, statement, order, per_page=per_page, context=context)
        found["meta"]["refused"] = "That page link was changed or is out of date, so the list starts again here."
        return found


# Names ``url_for`` takes for itself: a query string's own would clash with them (a 500) or
# rewrite the links (an anchor, another scheme).
URL_FOR_OWN = frozenset({"endpoint", "values"})


def query_of(args) -> dict:
    """The request's filters, for the Previous and Next links: the query string without
    its page, its cursor, empty values and names ``url_for`` keeps for itself."""
    return {
        key: value
        for key, value in args.items()
        if key not in ("page", "cursor") and value and key not in URL_FOR_OWN and not key.startswith("_")
    }
