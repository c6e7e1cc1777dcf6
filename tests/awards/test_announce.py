"""The announcement: a grant per winner (ledger entry in the hash chain, signed Open Badges
credential, certificate PDF), made once, from the latest decision; revocation by an admin
with a reason; what /verify and the public recognition page say; and a revoked win no
longer counting against a nominee.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from recognition.awards import lifecycle
from recognition.awards.announcement import badges
from recognition.awards.announcement import service as announce
from recognition.awards.cycles import decision
from recognition.awards.models import Cycle, Grant, GrantRevocation
from recognition.awards.nominations import service as nominations
from recognition.credits.signing import app_key
from recognition.errors import Conflict, DomainError, Forbidden
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from tests.support.awards import DAYS, AwardWorld, actor, at

DECIDED_ON = date(2026, 4, 20)  # after the review ends, before the decision date
# The ranking: mentor first, other_director second, other_mentee last.
SCORES = {
    "mentor": {"impact": 5, "commitment": 5, "quality": 5, "citizenship": 5},
    "other_director": {"impact": 4, "commitment": 4, "quality": 4, "citizenship": 4},
    "other_mentee": {"impact": 2, "commitment": 2, "quality": 2, "citizenship": 2},
}


def decided(dept, chosen: tuple[str, ...] = ("mentor",), **settings) -> AwardWorld:
    """The test world with scores in and the ``chosen`` nominees recorded as winners, still
    before the announcement."""
    world = AwardWorld.build(dept, **settings)
    world.to("review")
    world.score_all(SCORES)
    decision.decide(
        world.cycle, [world.nomination_ids[w] for w in chosen], {}, "", actor(dept, "admin"), DECIDED_ON, at(DECIDED_ON)
    )
    db.session.commit()
    return world


def grants() -> list[Grant]:
    return list(db.session.scalars(select(Grant).order_by(Grant.id)))


def award_entries() -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.kind == announce.LEDGER_KIND).order_by(LedgerEntry.seq)
        )
    )


def refusal(error_type, call, *args) -> DomainError:
    with pytest.raises(error_type) as caught:
        call(*args)
    db.session.rollback()
    return caught.value


def test_each_winner_gets_a_ledger_entry_a_signed_credential_and_a_certificate(app, dept):
    with app.app_context():
        world = decided(dept, ("mentor", "other_director"), winners=2)
        world.to("announced")
        people = {dept.ids["mentor"]: "Mentor Person", dept.ids["other_director"]: "Other Director Person"}

        made = grants()
        assert sorted(g.person_id for g in made) == sorted(people)
        assert len(award_entries()) == 2
        verdict = ledger.verify()
        assert verdict.valid, verdict
        public = app_key(app).public
        for grant in made:
            name = people[grant.person_id]
            entry = db.session.get(LedgerEntry, grant.ledger_entry_id)
            assert (entry.kind, entry.person_id, entry.occurred_on, entry.note) == (
                "award_received",
                grant.person_id,
                DAYS["announced"],
                "Mentor of the Year 2026",
            )
            assert grant.awarded_on == DAYS["announced"] and grant.cycle_id == world.cycle_id

            credential = announce.credential_of(grant)
            ok, why = badges.check(credential, public)
            assert ok, why
            assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
            assert credential["credentialSubject"]["name"] == name
            assert credential["credentialSubject"]["achievement"]["name"] == "Mentor of the Year"
            assert credential["id"] == f"{app.config['BASE_URL'].rstrip('/')}/verify/{grant.code}"
            assert grant.content_hash == hashlib.sha256(grant.credential.encode()).hexdigest()
            forged = copy.deepcopy(credential)
            forged["credentialSubject"]["name"] = "Someone Else"
            assert badges.check(forged, public)[0] is False

            assert grant.pdf.startswith(b"%PDF-")
            assert hashlib.sha256(grant.pdf).hexdigest() == grant.pdf_sha256
            page = PdfReader(io.BytesIO(grant.pdf)).pages[0].extract_text()
            assert name in page and "Mentor of the Year" in page

            shown = announce.verification(grant.code)
            assert {
                key: shown[key]
                for key in (
                    "kind",
                    "genuine",
                    "status",
                    "name",
                    "award",
                    "year",
                    "awarded_on",
                    "content_hash",
                    "pdf_sha256",
                )
            } == {
                "kind": "award",
                "genuine": True,
                "status": "current",
                "name": name,
                "award": "Mentor of the Year",
                "year": 2026,
                "awarded_on": "2026-05-15",
                "content_hash": grant.content_hash,
                "pdf_sha256": grant.pdf_sha256,
            }
            assert announce.verification(grant.code.lower()) == shown  # codes are typed by people


def test_announcing_again_makes_nothing_new(app, dept):
    with app.app_context():
        world = decided(dept)
        world.to("announced")
        before = [(g.id, g.code, g.content_hash) for g in grants()]
        entries = db.session.scalar(select(func.count()).select_from(LedgerEntry))

        assert announce.announce(world.cycle, DAYS["announced"], at(DAYS["announced"])) == []
        assert announce.announce(world.cycle, date(2026, 6, 1), at(date(2026, 6, 1))) == []
        db.session.commit()

        assert [(g.id, g.code, g.content_hash) for g in grants()] == before
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == entries
        assert ledger.verify().valid


def test_the_latest_decision_is_the_one_announced(app, dept):
    with app.app_context():
        world = decided(dept)
        later = date(2026, 4, 25)
        decision.decide(
            world.cycle,
            [world.nomination_ids["other_mentee"]],
            {str(world.nomination_ids["other_mentee"]): "Her letters describe work the scores missed."},
            "Reconsidered.",
            actor(dept, "admin"),
            later,
            at(later),
        )
        db.session.commit()
        world.to("decided")
        world.to("announced")

        assert [d.version for d in decision.decisions(world.cycle_id)] == [1, 2]
        assert [g.person_id for g in grants()] == [dept.ids["other_mentee"]]
        assert [e.person_id for e in award_entries()] == [dept.ids["other_mentee"]]


@pytest.fixture
def granted(app, dept) -> int:
    """Mentor of the Year 2026, announced, won by the mentor; the grant's id."""
    with app.app_context():
        decided(dept).to("announced")
        return grants()[0].id


@pytest.mark.parametrize("role", ["director", "mentor", "award_committee"])
def test_only_an_admin_revokes_an_award(app, dept, granted, role):
    with app.app_context():
        error = refusal(
            Forbidden,
            announce.revoke,
            db.session.get(Grant, granted),
            "Not deserved.",
            actor(dept, role),
            at(date(2026, 6, 1)),
        )
        assert error.status == 403
        assert announce.revocation_of(granted) is None


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_revoking_needs_a_reason(app, dept, granted, reason):
    with app.app_context():
        error = refusal(
            DomainError,
            announce.revoke,
            db.session.get(Grant, granted),
            reason,
            actor(dept, "admin"),
            at(date(2026, 6, 1)),
        )
        assert error.status == 422 and list(error.errors) == ["reason"]
        assert announce.revocation_of(granted) is None


def test_a_revocation_is_recorded_once_and_verification_then_says_revoked(app, dept, granted):
    revoked_at = at(date(2026, 6, 1))
    with app.app_context():
        grant = db.session.get(Grant, granted)
        announce.revoke(grant, "  The ranking was miscounted.  ", actor(dept, "admin"), revoked_at)
        db.session.commit()

    with app.app_context():  # a second request to revoke it
        error = refusal(
            Conflict,
            announce.revoke,
            db.session.get(Grant, granted),
            "Again.",
            actor(dept, "admin"),
            at(date(2026, 6, 2)),
        )
        assert error.status == 409 and error.errors == {"grant_id": ["already revoked"]}

    with app.app_context():
        revocation = announce.revocation_of(granted)
        assert (revocation.reason, revocation.revoked_at, revocation.revoked_by_id) == (
            "The ranking was miscounted.",
            revoked_at,
            dept.ids["admin"],
        )
        assert db.session.scalar(select(func.count()).select_from(GrantRevocation)) == 1
        grant = db.session.get(Grant, granted)
        shown = announce.verification(grant.code)
        assert (shown["status"], shown["revoked_on"], shown["genuine"]) == ("revoked", "2026-06-01", True)
        assert "reason" not in shown and "miscounted" not in json.dumps(shown)
        # The ledger keeps the award entry: the revocation is a row of its own, not an edit.
        assert db.session.get(LedgerEntry, grant.ledger_entry_id).kind == "award_received"
        assert ledger.verify().valid


def test_revoking_twice_in_one_session_is_a_conflict(app, dept, granted):
    """A caller that looked at the revocation first (a page showing the award's state, say)
    and then revokes must get the same 409, not an identity-map warning and a raw
    IntegrityError."""
    with app.app_context():
        grant = db.session.get(Grant, granted)
        announce.revoke(grant, "The ranking was miscounted.", actor(dept, "admin"), at(date(2026, 6, 1)))
        db.session.commit()
        shown = announce.revocation_of(granted)  # held, as a view rendering it would
        error = refusal(Conflict, announce.revoke, grant, "Again.", actor(dept, "admin"), at(date(2026, 6, 2)))
        assert error.errors == {"grant_id": ["already revoked"]}
        assert shown.reason == "The ranking was miscounted."


def test_verification_knows_no_other_code(app, granted):
    with app.app_context():
        assert announce.verification("AAAA-BBBB-CCCC") is None
        assert announce.verification("") is None


def test_the_public_page_lists_announced_unrevoked_awards_only(app, dept):
    with app.app_context():
        world = decided(dept, ("mentor", "other_director"), winners=2)
        world.to("decided")
        assert announce.public_winners() == []

        world.to("announced")
        listed = announce.public_winners()
        assert sorted((w["name"], w["award"], w["year"], w["division"]) for w in listed) == [
            ("Mentor Person", "Mentor of the Year", 2026, "Cardiology"),
            ("Other Director Person", "Mentor of the Year", 2026, "Nephrology"),
        ]
        assert all(w["awarded_on"] == DAYS["announced"] for w in listed)

        revoked = next(g for g in grants() if g.person_id == dept.ids["mentor"])
        announce.revoke(revoked, "Awarded in error.", actor(dept, "admin"), at(date(2026, 6, 1)))
        db.session.commit()
        assert [w["name"] for w in announce.public_winners()] == ["Other Director Person"]


def test_a_revoked_win_does_not_count_as_a_past_win(app, dept, granted):
    """Past winners are never eligible again by default; a win taken back is no win."""
    with app.app_context():
        lifecycle.advance_all(date(2027, 2, 1), at(date(2027, 2, 1)))
        db.session.commit()
        cycle = db.session.scalar(select(Cycle).where(Cycle.year == 2027))
        assert cycle.phase == "open"
        mentor = db.session.get(nominations.Person, dept.ids["mentor"])
        day = date(2027, 2, 2)

        assert nominations.problems_for(cycle, mentor, dept.ids["admin"], day) == [
            "won this award on 15 May 2026; past winners are not eligible again"
        ]
        refusal(DomainError, nominations.nominate, cycle, mentor.id, "Again.", actor(dept, "admin"), day, at(day))

        announce.revoke(db.session.get(Grant, granted), "Awarded in error.", actor(dept, "admin"), at(day))
        db.session.commit()
        assert nominations.problems_for(cycle, mentor, dept.ids["admin"], day) == []
        assert nominations.wins(cycle.award_id) == {}
        nominations.nominate(cycle, mentor.id, "Still the best mentor we have.", actor(dept, "admin"), day, at(day))
        db.session.commit()
