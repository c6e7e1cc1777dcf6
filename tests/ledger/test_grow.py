"""The benchmarks' ``grow`` helper keeps working as the schema changes: it builds a
department, grows its ledger in two steps, and the chain it writes verifies with the mix
of entries it promises."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select

from recognition.extensions import db
from recognition.ledger import service
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from recognition.reflections.models import Reflection
from tests.benchmarks.grow import SEED, _History, grow


def test_grow_builds_a_department_whose_chain_verifies(app):
    with app.app_context():
        first = grow(1_200, people=300, today=date(2026, 6, 1), progress=False)
        grown = grow(2_000, people=300, progress=False)  # the same department, grown further
        assert (first.entries, grown.entries, grown.added) == (1_200, 2_000, 800)
        assert (grown.mentor_id, grown.mentee_id) == (first.mentor_id, first.mentee_id)

        verdict = service.verify()
        assert verdict.valid, verdict.problem
        assert verdict.checked == 2_000

        assert db.session.scalar(select(func.count()).select_from(Person)) > 300
        assert db.session.scalar(select(func.count()).select_from(Mentorship)) > 600
        counts = dict(
            db.session.execute(
                select(func.coalesce(LedgerEntry.kind, LedgerEntry.entry_type), func.count()).group_by(
                    func.coalesce(LedgerEntry.kind, LedgerEntry.entry_type)
                )
            ).all()
        )
        for kind in ("meeting", "confirmation", "reversal", "mentor_training", "mentoring_preparation"):
            assert counts.get(kind), f"no {kind} in {counts}"
        assert counts["confirmation"] > counts["meeting"] / 2
        reflections = db.session.scalar(select(func.count()).select_from(Reflection))
        assert reflections == counts["feedback_reflection"] > 0
        years = db.session.scalars(select(LedgerEntry.occurred_on)).all()
        assert len({day.year for day in years}) >= 8  # ten years of history, not one

        featured = db.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.person_id == grown.mentor_id)
        )
        assert 100 <= featured <= 200  # the benchmarks' mentor, all in the first block
        # Everything either of the two sees comes first: in the blocks that follow the mentor's.
        two = (grown.mentor_id, grown.mentee_id)
        theirs = select(Mentorship.id).where(or_(Mentorship.mentee_id.in_(two), Mentorship.mentor_id.in_(two)))
        seen = select(func.max(LedgerEntry.seq)).where(
            or_(
                LedgerEntry.mentorship_id.in_(theirs),
                LedgerEntry.person_id.in_(two),
                LedgerEntry.recorded_by_id.in_(two),
            )
        )
        assert featured < grown.featured_entries
        assert db.session.scalar(seen) <= grown.featured_entries
        # ... however far it is grown: every block with an entry either sees is in front.
        history = _History.load(SEED)
        front, written = set(), 0
        for mentor in history.order:
            if written >= grown.featured_entries:
                break
            front.add(mentor)
            written += len(history.block(mentor))
        assert written == grown.featured_entries
        for mentor, ties in history.ties_of.items():
            if mentor in two or any(tie.mentee_id in two for tie in ties):
                assert mentor in front, mentor
