"""Mentors' reflections for the demo department: on feedback reports they were shown
(about a third of the mentors who had one) and on other feedback (a 360, teaching
evaluations: a few mentors). Reflections are ledger entries: ``build`` returns them as
history ``Event``s to be chained with the rest of the history, and ``write`` stores
their private text once the chain is written.

Pure until ``write``: the same rng, department, mentorships and feedback plan give the
same reflections.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..feedback.rules import summarise
from ..reflections.models import Reflection
from ..reflections.service import text_digest
from . import feedback_texts as texts
from .department import Department
from .feedback import Block, Plan
from .feedback_rows import insert_rows
from .history import Event
from .relationships import Tie

REFLECTING = 0.3  # of mentors with a shown report, how many reflected on it
EXTERNAL_SHARE = 0.04  # of mentors, how many reflected on other feedback


@dataclass(eq=False)
class PlannedReflection:
    event: Event
    source: str
    block: Block | None
    period: str | None
    fields: dict[str, str]  # source_name and the six steps
    salt: str  # the key of the note's HMAC (reflections.digest)

    def row(self, reflection_id: int) -> dict:
        return {
            "id": reflection_id,
            "ledger_entry_id": self.event.id,
            "person_id": self.event.person_id,
            "source": self.source,
            "release_id": self.block.id if self.block else None,
            "period": self.period,
            "salt": self.salt,
            "created_at": self.event.recorded_at,
            **self.fields,
        }


def build(
    rng: random.Random, dept: Department, ties: list[Tie], plan: Plan, featured: tuple[int, int] | None
) -> list[PlannedReflection]:
    """Reflections on shown reports (about a third of the mentors who had one) and on
    other feedback (a few mentors), as ledger events still to be chained. The demo
    mentor's reports are left for the tour to reflect on; they reflected once on other
    feedback they received."""
    cutoff = datetime.combine(dept.today, time.min) - timedelta(minutes=1)
    instrument = plan.settings.instrument
    found: list[PlannedReflection] = []
    by_mentor: dict[int, list[Block]] = defaultdict(list)
    for block in plan.blocks:
        by_mentor[block.mentor_id].append(block)
    skip = featured[0] if featured else None
    candidates = sorted(set(by_mentor) - {skip})
    for mentor in sorted(rng.sample(candidates, round(REFLECTING * len(candidates)))):
        blocks = by_mentor[mentor]
        chosen = [blocks[-1]] + ([blocks[-2]] if len(blocks) > 1 and rng.random() < 0.25 else [])
        for block in chosen:
            at = block.released_at + timedelta(days=rng.uniform(7, 75))
            if at >= cutoff:
                at = block.released_at + (cutoff - block.released_at) * rng.uniform(0.3, 0.95)
            if at - block.released_at < timedelta(hours=2):
                continue
            fields = _report_fields(block, plan, instrument, at)
            found.append(
                _planned(rng, mentor, at, block.released_at.date(), "report", block, block.periods[-1], fields)
            )
    mentors = sorted({t.mentor_id for t in ties if t.kind in ("formal", "peer_group", "sponsorship")} - {skip})
    external = rng.sample(mentors, min(len(mentors), max(2, round(EXTERNAL_SHARE * len(mentors)))))
    if skip is not None:
        external.append(skip)
    earliest = dept.system_start + timedelta(days=90)
    for mentor in external:
        recent = mentor == skip
        start = max(earliest, cutoff - timedelta(days=540)) if recent else earliest
        if start >= cutoff:
            continue
        at = start + (cutoff - start) * rng.uniform(0.05, 0.9)
        template, steps = rng.choice(texts.EXTERNAL)
        year = at.year if at.month > 2 else at.year - 1  # the feedback came in that year
        span_start = at.year - 1 if at.month >= 7 else at.year - 2  # the last complete academic year
        name = template.format(year=year, span=f"{span_start}–{(span_start + 1) % 100:02d}")
        fields = {"source_name": name, **steps}
        found.append(_planned(rng, mentor, at, (at - timedelta(days=30)).date(), "external", None, None, fields))
    for order, reflection in enumerate(sorted(found, key=lambda r: r.event.recorded_at)):
        reflection.event.order = 10**9 + order  # after every history event recorded at the same time
    return found


def _planned(rng, mentor: int, at: datetime, not_before: date, source, block, period, fields) -> PlannedReflection:
    day = max(not_before, at.date() - timedelta(days=rng.randint(0, 3)))
    # Derived, not drawn from ``rng``: a rebuilt demo is the same, and the rest of it is
    # as it was before reflections had salts.
    salt = hashlib.sha256(f"demo reflection salt:{mentor}:{at.isoformat()}".encode()).hexdigest()[:32]
    event = Event(
        "contribution",
        "feedback_reflection",
        None,
        mentor,
        min(day, at.date()),
        rng.choice(texts.REFLECTION_MINUTES),
        text_digest(fields, salt),
        mentor,
        at,
    )
    return PlannedReflection(event, source, block, period, fields, salt)


def _report_fields(block: Block, plan: Plan, instrument, at: datetime) -> dict[str, str]:
    """The six steps for a reflection on this block: the theme of its lowest-rated item,
    and a comparison written from its figures and the department's for the period."""
    ids = [item.id for item in instrument.items]
    mine = summarise(ids, instrument.scale_min, instrument.scale_max, [r.answers for r in block.replies])
    period = block.periods[-1]
    released = [b for b in plan.blocks if b.released_at <= at and period in b.periods]
    department = summarise(
        ids, instrument.scale_min, instrument.scale_max, [r.answers for b in released for r in b.replies]
    )
    rated = [item for item in mine.items if item.mean is not None]
    lowest = min(rated, key=lambda item: (item.mean, ids.index(item.item_id)))
    text = next(item.text for item in instrument.items if item.id == lowest.item_id)
    steps = texts.REPORT_THEMES[texts.THEME_OF.get(lowest.item_id, "general")]
    suggestions = any("suggestions" in r.comments or "comments" in r.comments for r in block.replies)
    comparison = (
        f"My overall score was {mine.overall:.1f} out of {instrument.scale_max}, against {department.overall:.1f} "
        f"across the department for {period}. The lowest-rated statement was \u201c{text}\u201d "
        f"({lowest.mean:.1f}). "
        + (
            "The written suggestions pointed the same way."
            if suggestions
            else "There were no written suggestions, so I went by the ratings."
        )
    )
    return {
        "source_name": f"Mentee feedback report, {'–'.join(block.periods)}",
        "area": steps["area"],
        "question": steps["question"],
        "standards": steps["standards"],
        "comparison": comparison,
        "discussion": steps["discussion"],
        "next_steps": steps["next_steps"],
    }


def write(planned: list[PlannedReflection]) -> None:
    """After the ledger: each reflection's text, pointing at its chained entry."""
    ordered = sorted(planned, key=lambda r: r.event.id)
    insert_rows(Reflection, [reflection.row(number) for number, reflection in enumerate(ordered, start=1)])
