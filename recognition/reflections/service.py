"""Record and read reflections on feedback received (Royal College "feedback on
teaching" steps). A reflection is a ledger entry plus private text only its author reads."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select

from ..auth.service import Actor
from ..errors import DomainError, NotFound
from ..extensions import db
from ..feedback.models import Release
from ..ledger import service as ledger
from .models import STEPS, Reflection

MAX_STEP = 4000


def text_digest(fields: dict) -> str:
    """SHA-256 of the reflection's text, stored in its ledger entry's note."""
    payload = json.dumps({key: fields[key] for key in ("source_name", *STEPS)}, sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(data: dict, actor: Actor, now: datetime) -> Reflection:
    """``data``: source ("report" with release_ids, or "external" with source_name),
    occurred_on, minutes, and the six steps (area, question, standards, comparison,
    discussion, next_steps)."""
    fields = {key: (data.get(key) or "").strip() for key in ("source_name", *STEPS)}
    problems: dict[str, list[str]] = {}
    for key in ("area", "question", "next_steps"):
        if not fields[key]:
            problems[key] = ["is required"]
    for key in STEPS:
        if len(fields[key]) > MAX_STEP:
            problems.setdefault(key, []).append(f"must be at most {MAX_STEP} characters")
    release, period = None, None
    if data.get("source") == "report":
        release = _own_release(data.get("release_id"), actor)
        covered = release.periods.split(",")
        period = data.get("period") or covered[-1]
        if period not in covered:
            problems["period"] = [f"must be a period the report covers ({', '.join(covered)})"]
        fields["source_name"] = fields["source_name"] or f"Mentee feedback report, {release.periods.replace(',', '–')}"
    elif data.get("source") == "external":
        if not fields["source_name"]:
            problems["source_name"] = ["is required: name the feedback you received (e.g. a 360 or teaching evaluation)"]
    else:
        problems["source"] = ["must be report or external"]
    if len(fields["source_name"]) > 200:
        problems.setdefault("source_name", []).append("must be at most 200 characters")
    if problems:
        raise DomainError("The reflection is incomplete: " + ", ".join(sorted(problems)), problems)
    entry = ledger.record(
        {"kind": "feedback_reflection", "occurred_on": data["occurred_on"], "minutes": data.get("minutes") or 0,
         "note": text_digest(fields)},
        actor, now, own_operation=True,
    )
    reflection = Reflection(
        ledger_entry_id=entry.id, person_id=actor.person_id, source=data["source"],
        release_id=release.id if release else None, period=period, created_at=now, **fields,
    )
    db.session.add(reflection)
    db.session.flush()
    return reflection


def _own_release(release_id, actor: Actor) -> Release:
    release = db.session.get(Release, release_id) if isinstance(release_id, int) else None
    if release is None or release.mentor_id != actor.person_id:
        raise DomainError.field("release_id", "must name a feedback report of yours that was shown (at least k responses)")
    return release


def reflections_of(actor: Actor) -> list[Reflection]:
    return list(db.session.scalars(
        select(Reflection).where(Reflection.person_id == actor.person_id).order_by(Reflection.id.desc())
    ))


def get(reflection_id: int, actor: Actor) -> Reflection:
    """Only the author ever reads a reflection; to anyone else it does not exist."""
    reflection = db.session.get(Reflection, reflection_id)
    if reflection is None or reflection.person_id != actor.person_id:
        raise NotFound(f"No reflection {reflection_id} of yours.")
    return reflection
