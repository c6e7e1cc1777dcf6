"""The ledger heads recorded in issued dossiers, for ``ledger verify`` (registered by
``recognition.app``): each dossier's signed document names the head it was issued at."""

from __future__ import annotations

from sqlalchemy import Select, select

from ..ledger.checks import SignedHeads
from .models import Dossier


def signed_heads() -> Select:
    return select(Dossier.number, Dossier.document, Dossier.signature, Dossier.key_id).order_by(Dossier.id)


HEADS = SignedHeads("dossier", signed_heads)
