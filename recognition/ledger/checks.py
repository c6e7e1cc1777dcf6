"""The checks other domains give the ledger, so ``ledger verify`` covers rows the ledger
does not own without importing their domains.

Two kinds:

- a **row check** (``RowCheck``): a table whose rows point at ledger entries by id
  (reflections, award grants, milestones) says where its first row that no longer fits
  its entry sits in the chain (``references`` reports the earliest of them);
- **signed heads** (``SignedHeads``): a table of signed documents that record the ledger
  head they were issued at (credit statements, dossiers); ``anchors`` checks each
  signature and holds the chain to the head.

Each owning domain defines its checks in its own ``ledger_checks`` module; the app
factory (``recognition.app.register_ledger_checks``) is the one place that registers them,
per app, in the order they are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import Select

KEY = "recognition.ledger.checks"

# (position in the chain, ledger entry id, what no longer fits)
Misfit = tuple[int, int, str]


@dataclass(frozen=True)
class RowCheck:
    """``first()``: the misfit earliest in the chain among the rows checked, or None."""

    name: str
    first: Callable[[], Misfit | None]


@dataclass(frozen=True)
class SignedHeads:
    """``rows()``: a query of ``(number, document, signature, key_id)``, the document
    being the canonical JSON that was signed, with its ``ledger_head`` and ``issued_at``.
    ``kind`` names a document in messages ("statement RCM-2025-00001-1")."""

    kind: str
    rows: Callable[[], Select]


@dataclass
class Checks:
    rows: list[RowCheck] = field(default_factory=list)
    heads: list[SignedHeads] = field(default_factory=list)


def register(app: Flask, rows: Iterable[RowCheck] = (), heads: Iterable[SignedHeads] = ()) -> None:
    """Add checks to ``app`` (apps are built more than once, so nothing is module-wide)."""
    checks = app.extensions.setdefault(KEY, Checks())
    checks.rows.extend(rows)
    checks.heads.extend(heads)


def registered() -> Checks:
    """The current app's checks (none when the app registered none)."""
    found = current_app.extensions.get(KEY)
    return found if isinstance(found, Checks) else Checks()


def first_of(rows: Iterable[tuple[int, int, int]]) -> tuple[int, int, int] | None:
    """The first ``(row id, entry id, seq)`` of a streamed query, closing it either way."""
    iterator = iter(rows)
    try:
        return next(iterator, None)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
