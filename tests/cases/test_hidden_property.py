"""What must never be learned: whatever the candidate's mentoring record holds (mentees,
meetings, confirmations, recorded milestones), a recused member, a member of a closed case,
a removed member and an outsider see exactly the same pages and API answers. Only the
people with access see it change."""

from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recognition.auth.service import COMMAND_LINE, load_actor
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.mentorships.models import Mentorship
from recognition.milestones import service as milestones
from recognition.people.models import Person

BLIND = ("recused", "closed_member", "removed", "outsider")

RECORDS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=4),  # meetings with a new mentee
        st.integers(min_value=0, max_value=4),  # of which confirmed
        st.sampled_from([None, "grant", "cfar", "promotion"]),  # a milestone of the new mentee
        st.booleans(),  # the new mentee chose not to be named
    ),
    min_size=1,
    max_size=3,
)


CSRF = re.compile(r'name="csrf_token" value="[^"]*"')


def text(response) -> str:
    """The body, without the sign-out form's CSRF token (signed with the time: it differs
    from one request to the next whatever the data)."""
    return CSRF.sub('name="csrf_token"', response.get_data(as_text=True))


def views(world, page_clients, role) -> dict:
    candidate = world.dept.ids["mentee"]
    client, api, headers = page_clients[role], world.app.test_client(), world.headers(role)
    paths = [
        "/cases",
        f"/cases/{world.open_id}",
        f"/cases/{world.closed_id}",
        f"/cases/{world.open_id}/dossier",
        f"/cases/{world.open_id}/dossier.json",
        f"/people/{candidate}/dossier",
        f"/people/{candidate}/milestones",
    ]
    seen = {path: (r.status_code, text(r)) for path in paths if (r := client.get(path))}
    for path in (
        f"/api/v1/cases/{world.open_id}",
        "/api/v1/cases",
        f"/api/v1/dossiers?person_id={candidate}",
        f"/api/v1/dossiers/issued?person_id={candidate}",
        f"/api/v1/milestones?person_id={candidate}",
        f"/api/v1/people/{candidate}",
    ):
        response = api.get(path, headers=headers)
        seen[path] = (response.status_code, text(response))
    return seen


def add_record(world, records) -> None:
    """The candidate mentors new people: meetings, confirmations, a mentee's milestone."""
    with world.app.app_context():
        now = utcnow()
        candidate = db.session.get(Person, world.dept.ids["mentee"])
        for meetings, confirmed, milestone, unnamed in records:
            number = db.session.query(Person).count() + 1
            mentee = Person(
                name=f"Hidden Mentee {number}",
                email=f"hidden.{number}@test.example.org",
                division_id=candidate.division_id,
                rank="assistant",
                position="other",
                appointed_on=date(2024, 7, 1),
                created_at=now,
            )
            db.session.add(mentee)
            db.session.flush()
            tie = Mentorship(
                mentor_id=candidate.id,
                mentee_id=mentee.id,
                kind="informal",
                started_on=date(2024, 9, 1),
                created_at=now,
            )
            db.session.add(tie)
            db.session.flush()
            for n in range(meetings):
                entry = ledger.record(
                    {
                        "kind": "meeting",
                        "mentorship_id": tie.id,
                        "minutes": 30 + n,
                        "occurred_on": now.date() - timedelta(days=30 + n),
                    },
                    load_actor(candidate.id),
                    now,
                )
                if n < confirmed:
                    ledger.confirm(entry, load_actor(mentee.id), now)
            if milestone == "grant":
                milestones.record(
                    {
                        "person_id": mentee.id,
                        "kind": "grant",
                        "title": "A hidden grant",
                        "agency": "CIHR",
                        "role": "principal investigator",
                        "year": 2025,
                    },
                    COMMAND_LINE,
                    now,
                )
            elif milestone == "cfar":
                milestones.record(
                    {"person_id": mentee.id, "kind": "cfar", "outcome": "passed", "occurred_on": date(2025, 6, 1)},
                    COMMAND_LINE,
                    now,
                )
            elif milestone == "promotion":
                milestones.record(
                    {"person_id": mentee.id, "kind": "promotion", "rank": "associate", "occurred_on": date(2025, 7, 1)},
                    COMMAND_LINE,
                    now,
                )
            if unnamed:
                from recognition.people.models import Profile

                db.session.add(Profile(person_id=mentee.id, named_in_dossiers=False, philosophy="", updated_at=now))
        db.session.commit()


def test_those_without_access_learn_nothing_of_the_candidate_s_record(world, page_clients):
    before = {role: views(world, page_clients, role) for role in BLIND}
    dossier = f"/cases/{world.open_id}/dossier.json"
    mentees_before = len(page_clients["member"].get(dossier).get_json()["mentees"])

    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
    @given(RECORDS)
    def unchanged(records):
        add_record(world, records)
        for role in BLIND:
            assert views(world, page_clients, role) == before[role], role

    unchanged()
    # The same record does reach a member who may read it: the views above could have shown it.
    assert len(page_clients["member"].get(dossier).get_json()["mentees"]) > mentees_before
