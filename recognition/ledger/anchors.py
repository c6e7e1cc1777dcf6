"""Anchors: heads of the chain recorded where a rewrite of the ledger cannot reach them.

- **Checkpoints** (``checkpoints``): the head signed with the deployment's key, chained
  to the checkpoint before, listing the id and hash of every entry since it.
- **Issued statements and dossiers**: each records the head it was issued at, in a signed
  document its holder keeps.
- **Heads an operator wrote down** (``ledger verify --head SEQ:HASH``) and **copies of
  the checkpoints** downloaded earlier (``ledger verify --checkpoints FILE``).

Documents that record a head are other domains' (``checks.SignedHeads``, registered by
the app). ``gather`` checks every stored anchor (signature, chain of checkpoints) and turns the
good ones into ``chain.Anchor`` for ``chain.verify``; what is wrong with an anchor itself
is returned as a problem naming it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import Select, select

from ..credits import signing
from ..errors import DomainError
from ..extensions import db
from . import chain, checks
from .checkpoint_body import body, sha256
from .models import LedgerCheckpoint

HEAD = re.compile(r"^(\d{1,18}):([0-9a-f]{64})$")
SIGNED = ("type", "seq", "hash", "at", "prev", "entries_digest", "key_id")


@dataclass
class Gathered:
    anchors: list[chain.Anchor]
    # (the anchor, what is wrong with it)
    problems: list[tuple[str, str]]

    def refuse(self, name: str, problem: str) -> None:
        self.problems.append((name, problem))


def _signed(content: bytes, signature: str, key_id: str, signed_at=None) -> str | None:
    """Why a signature over ``content`` does not hold, or None when it does. The key is
    looked up by its id among every key the deployment has published, so what a key
    signed before a rotation still checks; a retired key cannot vouch for anything it
    says it signed after its retirement."""
    try:
        key = signing.find(current_app, key_id)
    except DomainError as error:  # the key ring cannot be read: nothing can be checked
        return error.message
    if key is None:
        return f"it is signed by key {key_id}, which this deployment does not hold"
    too_late = signing.retired_before(key, signed_at) if signed_at is not None else None
    if too_late is not None:
        return too_late
    if not signing.verify(key.public, content, signature):
        return "its signature does not match (it was changed)"
    return None


def stored_checkpoints(found: Gathered) -> None:
    previous_digest = chain.GENESIS
    previous_seq = 0
    for row in db.session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq)):
        name = f"checkpoint {row.id} (position {row.seq}, {row.at:%Y-%m-%d %H:%M} UTC)"
        content = chain.canonical(body(row))
        problem = _signed(content, row.signature, row.key_id, row.at)
        if problem is None and sha256(content) != row.digest:
            problem = "its digest does not match its contents"
        if problem is None and row.prev_digest != previous_digest:
            problem = "it does not follow the checkpoint before it (a checkpoint was removed or changed)"
        if problem is None and sha256(row.entries.encode("ascii")) != row.entries_digest:
            problem = "its list of entries does not match the digest it signed"
        entries = _entries(row.entries, previous_seq, row.seq) if problem is None else None
        if problem is None and entries is None:
            problem = "its list of entries does not cover the positions since the checkpoint before it"
        if problem is not None:
            found.refuse(name, problem)
        else:
            assert entries is not None  # a missing list is a problem, refused above
            found.anchors.append(chain.Anchor(row.seq, row.head_hash, name, entries))
        previous_digest, previous_seq = row.digest, row.seq


def _entries(text: str, after: int, through: int) -> dict[int, tuple[int, str]] | None:
    entries = {}
    for line in text.splitlines():
        seq, entry_id, digest = line.split(" ")
        entries[int(seq)] = (int(entry_id), digest)
    return entries if list(entries) == list(range(after + 1, through + 1)) else None


# Each signed document that records a head, by its kind and number: the SHA-256 of its
# stored text (``documents``).
Seen = dict[tuple[str, str], str]


def documents() -> Seen:
    """Every signed document that records a head, as stored now (``Seen``)."""
    return {
        (signed.kind, str(number)): sha256(document.encode("utf-8"))
        for signed in checks.registered().heads
        for number, document, _, _ in db.session.execute(signed.rows())
    }


def signed_heads_since(seen: Seen) -> Gathered:
    """The heads recorded in signed documents (statements, dossiers) issued or changed
    since they were ``seen``, each checked against its signature: those a checkpoint
    checks under the append lock, every anchor before them checked with the whole chain
    (``checkpoints.make``)."""
    found = Gathered([], [])
    for signed in checks.registered().heads:
        _signed_heads(found, signed.kind, signed.rows(), seen)
    return found


def _signed_heads(found: Gathered, kind: str, query: Select, seen: Seen | None = None) -> None:
    """The ledger heads recorded in signed documents (statements, dossiers: ``checks``),
    each checked against its signature first; with ``seen``, those not as seen there."""
    for number, document, signature, key_id in db.session.execute(query):
        if seen is not None and seen.get((kind, str(number))) == sha256(document.encode("utf-8")):
            continue
        name = f"{kind} {number}"
        # The stored document is the canonical JSON that was signed.
        content = json.loads(document)
        problem = _signed(document.encode("utf-8"), signature, key_id, content.get("issued_at"))
        if problem is not None:
            found.refuse(name, problem)
            continue
        head = content["ledger_head"]
        if head["seq"] > 0:
            found.anchors.append(chain.Anchor(head["seq"], head["hash"], name))


def gather(heads: Sequence[chain.Anchor] = (), copies: Sequence[dict] = ()) -> Gathered:
    """Every anchor: the stored checkpoints and statements, the heads given, and the
    checkpoints of a copy downloaded earlier (each must still be stored)."""
    found = Gathered([], [])
    stored_checkpoints(found)
    for documents in checks.registered().heads:
        _signed_heads(found, documents.kind, documents.rows())
    found.anchors.extend(heads)
    digests = set(db.session.scalars(select(LedgerCheckpoint.digest)))
    for item in copies:
        name = f"the copy of checkpoint at position {item['seq']} ({item['at']})"
        problem = _signed(
            chain.canonical({key: item[key] for key in SIGNED}), item["signature"], item["key_id"], item.get("at")
        )
        if problem is not None:
            found.refuse(name, problem)
            continue
        if item["digest"] not in digests:
            found.refuse(name, "it is no longer among the stored checkpoints (it was removed)")
        found.anchors.append(chain.Anchor(item["seq"], item["hash"], name))
    return found


def parse_head(text: str) -> chain.Anchor:
    """``SEQ:HASH`` as ``ledger head`` prints it (a space works too); ValueError names the rule."""
    match = HEAD.match(text.strip().replace(" ", ":", 1).lower())
    if match is None:
        raise ValueError(f"{text!r} is not a head: write SEQ:HASH, a position and a 64-digit hex hash")
    return chain.Anchor(int(match[1]), match[2], f"the head {match[1]}:{match[2][:12]}… given")


def parse_copy(text: str) -> list[dict]:
    """The checkpoints of a ``/ledger/checkpoints.json`` document; ValueError names the fault."""
    try:
        document = json.loads(text)
    except ValueError:
        raise ValueError("it is not JSON") from None
    items = document.get("checkpoints") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ValueError("it has no list of checkpoints")
    needed = {
        "type": str,
        "seq": int,
        "hash": str,
        "at": str,
        "prev": str,
        "entries_digest": str,
        "key_id": str,
        "signature": str,
        "digest": str,
    }
    for index, item in enumerate(items):
        if not isinstance(item, dict) or any(not isinstance(item.get(k), t) for k, t in needed.items()):
            raise ValueError(f"checkpoint {index + 1} lacks one of {', '.join(needed)}")
    return items


def settle(verdict: chain.Verdict, found: Gathered) -> chain.Verdict:
    """Add what was wrong with the anchors themselves to the chain's verdict."""
    if not found.problems:
        return verdict
    notes = tuple(f"{name}: {problem}" for name, problem in found.problems) + verdict.notes
    if verdict.valid:
        name, problem = found.problems[0]
        return replace(verdict, valid=False, problem=f"{name}: {problem}", anchor=name, notes=notes)
    return replace(verdict, notes=notes)


def describe(verdict: chain.Verdict) -> str:
    """One plain sentence (or two) for the command line, the page and logs."""
    if verdict.valid:
        return f"OK: {verdict.checked} entries, chain head {verdict.head_seq} {verdict.head_hash}"
    if verdict.first_bad_seq is None:
        return f"BROKEN: {verdict.problem}. The {verdict.checked} entries are intact on their own."
    where = f"entry {verdict.first_bad_id}" if verdict.first_bad_id is not None else "the entry"
    return (
        f"BROKEN at {where} (position {verdict.first_bad_seq}): {verdict.problem}. "
        f"The {verdict.checked} entries before it are intact."
    )
