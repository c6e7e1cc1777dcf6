"""A whole cycle driven by its job on its dates: open, nominate, close (evidence frozen,
conflicts recorded), review and score, decide, announce (grant, ledger entry, credential)."""

from __future__ import annotations

import json

from recognition.awards import lifecycle
from recognition.awards.announcement import badges
from recognition.awards.announcement import service as announce
from recognition.awards.committee import service as committee
from recognition.awards.cycles import decision
from recognition.awards.models import CycleTransition, Grant, Nomination, Recusal
from recognition.awards.nominations import evidence
from recognition.credits.signing import app_key
from recognition.extensions import db
from recognition.ledger.models import LedgerEntry
from recognition.outbox import OutboxMessage
from tests.support.awards import DAYS, AwardWorld, actor, at


def test_a_cycle_runs_from_call_to_announcement(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        assert world.cycle.phase == "open"
        calls = db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.key.like(f"award:{world.cycle_id}:call:%"))
        ).all()
        assert len(calls) == len(dept.ids)

        world.to("closed")
        frozen = db.session.get(Nomination, world.nomination_ids["mentor"])
        assert frozen.evidence_hash and evidence.evidence_intact(frozen)
        table = json.loads(frozen.evidence)
        assert table["totals"]["mentees"] == 1 and table["mentorships"][0]["mentee"] == "Mentee Person"
        recused = {(r.member_id, r.nomination_id) for r in db.session.scalars(db.select(Recusal))}
        assert (dept.ids["other_mentor"], world.nomination_ids["other_mentee"]) in recused

        world.to("review")
        world.score_all(
            {
                "mentor": {"impact": 5, "commitment": 5, "quality": 4, "citizenship": 4},
                "other_mentee": {"impact": 2, "commitment": 3, "quality": 3, "citizenship": 2},
                "other_director": {"impact": 3, "commitment": 3, "quality": 3, "citizenship": 3},
            }
        )
        rows = committee.ranking_rows(world.cycle)
        assert rows[0].nomination.id == world.nomination_ids["mentor"]
        day = DAYS["decided"]
        decision.decide(world.cycle, [world.nomination_ids["mentor"]], {}, "", actor(dept, "admin"), day, at(day))
        db.session.commit()
        assert world.cycle.phase == "decided"

        world.to("announced")
        grant = db.session.scalars(db.select(Grant)).one()
        assert grant.person_id == dept.ids["mentor"]
        entry = db.session.get(LedgerEntry, grant.ledger_entry_id)
        assert entry.kind == "award_received" and entry.person_id == dept.ids["mentor"]
        ok, why = badges.check(json.loads(grant.credential), app_key(app).public)
        assert ok, why
        assert announce.verification(grant.code)["status"] == "current"
        phases = [t.phase for t in db.session.scalars(db.select(CycleTransition).order_by(CycleTransition.id))]
        assert phases == ["open", "closed", "review", "decided", "announced"]
        assert lifecycle.advance_all(DAYS["announced"], at(DAYS["announced"])) == "no award cycle changed"
