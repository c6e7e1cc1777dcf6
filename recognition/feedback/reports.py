"""Reports built only from released blocks: the mentor's, and the division's."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from flask import current_app
from sqlalchemy import exists, select

from ..auth.service import Actor
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..people.models import Division, Person
from . import service
from .models import Answer, Comment, Release, Request, Response
from .rules import summarise


def _touches(release: Release, period: str) -> bool:
    return period in release.periods.split(",")


def _values(release_ids: list[int]) -> dict[str, dict[str, int | None]]:
    """{response id: {item id: value}} for the responses of these blocks."""
    found: dict[str, dict[str, int | None]] = defaultdict(dict)
    if release_ids:
        rows = db.session.execute(
            select(Answer.response_id, Answer.item_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.release_id.in_(release_ids))
        )
        for response_id, item_id, value in rows:
            found[response_id][item_id] = value
    return found


def _summary(instrument, release_ids: list[int]):
    values = _values(release_ids)
    return summarise(
        [item.id for item in instrument.items], instrument.scale_min, instrument.scale_max, values.values()
    )


def may_read(actor: Actor, mentor: Person) -> bool:
    return actor.person_id == mentor.id or actor.is_admin or actor.directs(mentor.division_id)


def mentor_report(mentor_id: int | None, period: str, actor: Actor) -> dict:
    """The mentor's feedback for a period: the blocks that include it (pooled with the
    periods they span), compared with the division and department, the trend over all
    blocks and, for the mentor alone, the comments."""
    service.checked_period(period)
    mentor = db.session.get(Person, mentor_id) if mentor_id is not None else None
    if mentor is None or not may_read(actor, mentor):
        raise NotFound("No feedback report for that mentor that you can see.")
    key = current_app.config["FEEDBACK_INSTRUMENT"]
    blocks = db.session.scalars(
        select(Release).where(Release.mentor_id == mentor.id, Release.instrument_key == key).order_by(Release.id)
    ).all()
    here = [block for block in blocks if _touches(block, period)]
    # Nothing shown yet though the period's mentees were asked. Never whether any has
    # answered: a flag that turned on at the first answer would say who just answered.
    waiting = not here and db.session.scalar(
        select(exists().where(Request.mentor_id == mentor.id, Request.period == period))
    )
    k = service.k()
    report = {
        "mentor": mentor,
        "period": period,
        "k": k,
        "shown": bool(here),
        "waiting": waiting,
        "is_own": actor.person_id == mentor.id,
        "instrument": None,
        "summary": None,
        "pooled_periods": [],
        "release_ids": [block.id for block in here],
        "division": None,
        "department": None,
        "trend": [],
        "comments": [],
    }
    if not here:
        report["withheld"] = (
            f"Feedback is shown only when at least {k} responses can be pooled, so that no one's answers "
            "can be picked out. "
            + (
                "Mentees were asked for feedback on this period; their answers wait, unseen, until enough can be "
                "pooled (with later periods if need be). "
                if waiting
                else ""
            )
            + "Nothing can be shown for this period yet."
        )
        return report
    version = here[-1].instrument_version
    here = [block for block in here if block.instrument_version == version]
    used = service.instrument(key, version)
    report.update(
        instrument=used,
        summary=_summary(used, [block.id for block in here]),
        pooled_periods=sorted({p for block in here for p in block.periods.split(",")}),
        release_ids=[block.id for block in here],
        trend=[
            {
                "periods": block.periods.split(","),
                "responses": block.response_count,
                "overall": _summary(used, [block.id]).overall,
            }
            for block in blocks
            if block.instrument_version == version
        ],
    )
    others = db.session.execute(
        select(Release, Person.division_id)
        .join(Person, Person.id == Release.mentor_id)
        .where(Release.instrument_key == key, Release.instrument_version == version)
    ).all()
    same_period = [(block, division) for block, division in others if _touches(block, period)]
    division_ids = [
        block.id for block, division in same_period if division == mentor.division_id and division is not None
    ]
    report["division"] = _summary(used, division_ids) if division_ids else None
    report["department"] = _summary(used, [block.id for block, _ in same_period])
    if report["is_own"]:
        report["comments"] = _comments(used, [block.id for block in here])
    return report


def _comments(used, release_ids: list[int]) -> list[dict]:
    """Comments grouped by prompt, in a random order (never arrival order)."""
    rows = db.session.execute(
        select(Comment.prompt_id, Comment.text)
        .join(Response, Response.id == Comment.response_id)
        .where(Response.release_id.in_(release_ids))
    ).all()
    grouped = []
    for prompt in used.prompts:
        texts = sorted(text for prompt_id, text in rows if prompt_id == prompt.id)
        random.SystemRandom().shuffle(texts)
        grouped.append({"prompt": prompt.prompt, "texts": texts})
    return grouped


def division_view(division_id: int | None, period: str, actor: Actor) -> dict:
    """A division's (or, for admins with no division, the department's) feedback for a
    period: the pooled summary and each mentor with released feedback. Every figure is a
    union of whole blocks, so every part and every remainder is 0 or at least k."""
    service.checked_period(period)
    division = None
    if division_id is not None:
        division = db.session.get(Division, division_id)
        if division is None:
            raise NotFound(f"No division {division_id}.")
        if not (actor.is_admin or actor.directs(division_id)):
            raise Forbidden("Only an administrator or this division's director can see its feedback.")
    elif not actor.is_admin:
        raise Forbidden("Only an administrator can see the whole department's feedback.")
    key = current_app.config["FEEDBACK_INSTRUMENT"]
    statement = (
        select(Release, Person).join(Person, Person.id == Release.mentor_id).where(Release.instrument_key == key)
    )
    if division is not None:
        statement = statement.where(Person.division_id == division.id)
    rows = [
        (block, person)
        for block, person in db.session.execute(statement.order_by(Release.id)).all()
        if _touches(block, period)
    ]
    view: dict[str, Any] = {
        "division": division,
        "period": period,
        "k": service.k(),
        "summary": None,
        "instrument": None,
        "mentors": [],
    }
    if not rows:
        return view
    version = max(block.instrument_version for block, _ in rows)
    rows = [(block, person) for block, person in rows if block.instrument_version == version]
    used = service.instrument(key, version)
    by_mentor: dict[int, list[Release]] = defaultdict(list)
    people = {}
    for block, person in rows:
        by_mentor[person.id].append(block)
        people[person.id] = person
    view.update(instrument=used, summary=_summary(used, [block.id for block, _ in rows]))
    view["mentors"] = sorted(
        (
            {
                "mentor": people[mentor_id],
                "responses": sum(b.response_count for b in mentor_blocks),
                "overall": _summary(used, [b.id for b in mentor_blocks]).overall,
            }
            for mentor_id, mentor_blocks in by_mentor.items()
        ),
        key=lambda row: row["mentor"].name,
    )
    return view
