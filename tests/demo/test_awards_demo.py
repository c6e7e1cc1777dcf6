"""The demo's awards: three finished years of cycles run to their announcement through the
services (winners, grants that verify, rankings where a harsh and a lenient reviewer moved
the raw means, conflicts detected and one declared, one winner chosen below the top with
a reason), and this year, on whatever day the demo is built, a cycle open for nominations
and one in review with scoring left for the award-committee login. The scheduler finds
nothing to do or send the same day, and the ledger still verifies.

The demo is built once per backend for the module (at half size: a tenth of the
department leaves some past cycles without an eligible nominee).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from recognition.auth.models import RoleGrant
from recognition.awards import lifecycle
from recognition.awards.announcement import badges
from recognition.awards.announcement import service as announce
from recognition.awards.committee import recusal as committee_recusal
from recognition.awards.committee import service as committee
from recognition.awards.cycles import phases as cycle_phases
from recognition.awards.models import (
    Award,
    Cycle,
    CycleTransition,
    Decision,
    Grant,
    Letter,
    Nomination,
    Recusal,
    ScoreSet,
)
from recognition.awards.nominations import evidence
from recognition.awards.nominations import letters as nomination_letters
from recognition.credits.signing import app_key
from recognition.demo import award_texts, builder
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.outbox import OutboxMessage
from recognition.people.models import Person
from recognition.scheduler.jobs import award_cycles_job
from tests.conftest import module_app, selected_backends

from .conftest import SEED, TODAY

SCALE = 0.5
PAST = (TODAY.year - 3, TODAY.year - 2, TODAY.year - 1)
MIDNIGHT = datetime.combine(TODAY, time.min)
pytestmark = pytest.mark.xdist_group("awards_demo")  # with --dist loadgroup, one build per backend


@dataclass
class Demo:
    app: object
    ids: dict[str, int]  # login role -> person id


@pytest.fixture(scope="module", params=selected_backends())
def demo(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "awards-demo") as app:
        with app.app_context():
            logins = builder.load(SEED, today=TODAY, scale=SCALE)
            ids = {role: db.session.scalar(select(Person.id).where(Person.email == email)) for role, email, _ in logins}
        yield Demo(app, ids)


def cycle_of(slug: str, year: int) -> Cycle:
    return db.session.scalar(select(Cycle).join(Award).where(Award.slug == slug, Cycle.year == year))


def past_cycles() -> list[Cycle]:
    return list(db.session.scalars(select(Cycle).where(Cycle.year.in_(PAST)).order_by(Cycle.year, Cycle.award_id)))


def test_every_past_cycle_was_announced_with_winners_whose_awards_verify(demo):
    with demo.app.app_context():
        public = app_key(demo.app).public
        found = past_cycles()
        slugs = {c.award.slug for c in found if c.award.level == "department"}
        assert slugs == {award_texts.MENTORSHIP["slug"], award_texts.EARLY_CAREER["slug"]}
        assert [c.award.level for c in found].count("division") == 3 and len(found) == 9
        for cycle in found:
            phases = [
                (t.phase, t.source)
                for t in db.session.scalars(
                    select(CycleTransition).where(CycleTransition.cycle_id == cycle.id).order_by(CycleTransition.id)
                )
            ]
            assert phases == [(p, "schedule") for p in ("open", "closed", "review", "decided", "announced")], cycle.id
            assert 4 <= len(committee_recusal.members(cycle.id)) <= 5
            listed = list(db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id)))
            assert listed and all(n.evidence_hash and evidence.evidence_intact(n) for n in listed)
            decision = cycle_phases.latest_decision(cycle.id)
            grants = list(db.session.scalars(select(Grant).where(Grant.cycle_id == cycle.id)))
            assert sorted(g.nomination_id for g in grants) == sorted(w.nomination_id for w in decision.winners)
            assert len(grants) == min(cycle.award.winners, len(listed))
            for grant in grants:
                ok, why = badges.check(json.loads(grant.credential), public)
                assert ok, why
                assert announce.verification(grant.code)["status"] == "current"
                assert hashlib.sha256(grant.pdf).hexdigest() == grant.pdf_sha256 and grant.pdf.startswith(b"%PDF-")
                assert grant.awarded_on == cycle.announce_on
                entry = db.session.get(LedgerEntry, grant.ledger_entry_id)
                assert (entry.kind, entry.person_id, entry.occurred_on) == (
                    "award_received",
                    grant.person_id,
                    cycle.announce_on,
                )
        # The Mentorship Award's past winners are never nominated for it again.
        mentorship = [c for c in found if c.award.slug == award_texts.MENTORSHIP["slug"]]
        winners = set()
        for cycle in mentorship:
            nominees = set(db.session.scalars(select(Nomination.nominee_id).where(Nomination.cycle_id == cycle.id)))
            assert not nominees & winners
            winners |= set(db.session.scalars(select(Grant.person_id).where(Grant.cycle_id == cycle.id)))


def test_the_committees_worked_as_committees_do(demo):
    """Suggestions turned into nominations, a few real letters, conflicts detected and one
    declared (those members never scored the nominee), several reviewers per nominee,
    harsh and lenient ones, so the raw and normalised rankings disagree somewhere; and one
    winner chosen below the top places, with the reason on record."""
    with demo.app.app_context():
        found = past_cycles()
        ids = [c.id for c in found]
        listed = list(db.session.scalars(select(Nomination).where(Nomination.cycle_id.in_(ids))))
        assert any(n.suggested for n in listed) and not all(n.suggested for n in listed)
        assert any(n.philosophy for n in listed)
        letters = list(db.session.scalars(select(Letter)))
        assert 1 <= len(letters) <= 6  # a few real PDFs, not hundreds
        for letter in letters:
            pdf = db.session.get(Letter, letter.id).pdf
            assert nomination_letters.check_pdf(pdf, letter.filename) == letter.pages == 1
        recusals = list(db.session.scalars(select(Recusal).where(Recusal.cycle_id.in_(ids))))
        assert any(r.source == "detected" for r in recusals)
        (declared,) = [r for r in recusals if r.source == "declared"]
        assert declared.reason.strip()
        for recusal in recusals:
            assert committee_recusal.own_scores(recusal.nomination_id, recusal.member_id) is None

        differs = False
        for cycle in found:
            rows = committee.ranking_rows(cycle)
            assert all(r.row.reviews >= 2 for r in rows)
            by_raw = sorted(rows, key=lambda r: (-round(r.row.raw_mean, 9), r.row.position))
            differs |= [r.nomination.id for r in by_raw] != [r.nomination.id for r in rows]
            assert json.loads(cycle_phases.latest_decision(cycle.id).ranking)
        assert differs

        overruled = [
            w
            for d in db.session.scalars(select(Decision).where(Decision.cycle_id.in_(ids)))
            for w in d.winners
            if w.ranked_position > db.session.get(Cycle, d.cycle_id).award.winners
        ]
        assert len(overruled) == 1
        (winner,) = overruled
        assert winner.reason and winner.nomination.nominee.name in winner.reason
        assert db.session.scalar(select(Grant).where(Grant.nomination_id == winner.nomination_id)) is not None


def test_today_one_cycle_is_open_and_one_in_review_with_scoring_left_for_the_committee_login(demo):
    login = demo.ids["award_committee"]
    with demo.app.app_context():
        open_now = cycle_of(award_texts.EARLY_CAREER["slug"], TODAY.year)
        assert open_now.phase == "open" and cycle_phases.is_nominating_open(open_now, TODAY)
        assert db.session.scalar(select(func.count()).select_from(Nomination).where(Nomination.cycle_id == open_now.id))

        review = cycle_of(award_texts.MENTORSHIP["slug"], TODAY.year)
        assert review.phase == "review" and cycle_phases.is_scoring_open(review, TODAY)
        assert committee_recusal.is_member(review.id, login)
        listed = list(db.session.scalars(select(Nomination).where(Nomination.cycle_id == review.id)))
        mine = [n for n in listed if not committee_recusal.recused(n, login)]
        scored = [n for n in mine if committee_recusal.own_scores(n.id, login)]
        assert scored and len(scored) < len(mine)  # some done, some left for whoever tries the demo
        others = db.session.scalar(
            select(func.count())
            .select_from(ScoreSet)
            .join(Nomination)
            .where(Nomination.cycle_id == review.id, ScoreSet.member_id != login)
        )
        assert others

        # The login sits on every department committee and is its award committee's first member.
        for cycle in db.session.scalars(select(Cycle).join(Award).where(Award.level == "department")):
            assert committee_recusal.is_member(cycle.id, login)
        holders = list(
            db.session.scalars(
                select(RoleGrant.person_id).where(RoleGrant.role == "award_committee").order_by(RoleGrant.person_id)
            )
        )
        assert holders[0] == login and len(holders) > 1


def test_the_scheduler_finds_nothing_to_do_or_send_today_and_history_counts_as_sent(demo):
    with demo.app.app_context():
        before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        history = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.created_at < MIDNIGHT)))
        assert len(history) > 1000  # calls for nominations reach the whole department
        assert all(m.sent_at == m.created_at for m in history)
        assert award_cycles_job(TODAY) == "no award cycle changed; delivered 0 emails"
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before


def test_the_ledger_still_verifies_with_the_awards_in_it(demo):
    with demo.app.app_context():
        verdict = ledger.verify()
        assert verdict.valid, verdict.problem
        received = set(db.session.scalars(select(LedgerEntry.id).where(LedgerEntry.kind == "award_received")))
        assert received == set(db.session.scalars(select(Grant.ledger_entry_id)))
    result = demo.app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0 and "OK: " in result.output


@pytest.mark.parametrize("today", [date(2025, 1, 2), date(2024, 12, 30)])
def test_any_day_of_the_year_has_a_cycle_open_and_one_in_review(app, today):
    """Around New Year the showcase cycles' dates straddle two years; the real schedule's
    cycles for the new year come from its first scheduler run."""
    with app.app_context():
        builder.load(SEED, today=today, scale=0.1)
        phases = {(c.award.slug, c.phase) for c in db.session.scalars(select(Cycle).where(Cycle.year == today.year))}
        assert (award_texts.EARLY_CAREER["slug"], "open") in phases
        assert (award_texts.MENTORSHIP["slug"], "review") in phases
        this_year = db.session.scalars(select(Cycle).where(Cycle.year == today.year))
        assert any(c.award.level == "division" for c in this_year)
        assert lifecycle.advance_all(today, datetime.combine(today, time.min)) == "no award cycle changed"
        assert ledger.verify().valid
