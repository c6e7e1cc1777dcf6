"""The ledger heads recorded in issued credit statements, for ``ledger verify``
(registered by ``recognition.app``): each statement's signed document names the head it
was issued at."""

from __future__ import annotations

from sqlalchemy import Select, select

from ..ledger.checks import SignedHeads
from .models import Statement


def signed_heads() -> Select:
    return select(Statement.number, Statement.document, Statement.signature, Statement.key_id).order_by(Statement.id)


HEADS = SignedHeads("statement", signed_heads)
