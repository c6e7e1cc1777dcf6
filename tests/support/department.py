"""A small department for tests: one of each role, built through the services.

dept = Department.build()      # inside an app context
dept.token(client, "mentor")   # an API token for that role
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from recognition.auth.service import COMMAND_LINE, grant_role, set_password
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.mentorships.models import Mentorship
from recognition.people.models import Division, DivisionDirector, Person

PASSWORD = "correct horse battery"
ADMIN = COMMAND_LINE

# role -> (email, division code)
PEOPLE = {
    "admin": ("admin@test.example.org", "CARD"),
    "director": ("director@test.example.org", "CARD"),
    "mentor": ("mentor@test.example.org", "CARD"),
    "mentee": ("mentee@test.example.org", "CARD"),
    "other_mentor": ("other.mentor@test.example.org", "NEPH"),
    "other_mentee": ("other.mentee@test.example.org", "NEPH"),
    "other_director": ("other.director@test.example.org", "NEPH"),
    "outsider": ("outsider@test.example.org", "NEPH"),
    "award_committee": ("awards@test.example.org", "NEPH"),
    "promotion_committee": ("promotions@test.example.org", "NEPH"),
}


@dataclass
class Department:
    ids: dict[str, int] = field(default_factory=dict)
    divisions: dict[str, int] = field(default_factory=dict)
    mentorship_id: int = 0
    other_mentorship_id: int = 0

    @classmethod
    def build(cls) -> Department:
        """Two divisions (CARD, NEPH), each with a director and a formal mentorship, plus
        an admin, an outsider and the two committee members. Everyone has PASSWORD."""
        now = utcnow()
        dept = cls()
        for code, name in (("CARD", "Cardiology"), ("NEPH", "Nephrology")):
            division = Division(name=name, code=code)
            db.session.add(division)
            db.session.flush()
            dept.divisions[code] = division.id
        for role, (email, code) in PEOPLE.items():
            person = Person(
                name=role.replace("_", " ").title() + " Person",
                email=email,
                division_id=dept.divisions[code],
                rank="associate" if "director" in role or "mentor" in role else "assistant",
                position="clinician_teacher",
                appointed_on=date(2023, 7, 1),
                created_at=now,
            )
            db.session.add(person)
            db.session.flush()
            set_password(person, PASSWORD, now)
            dept.ids[role] = person.id
        for role in ("admin", "award_committee", "promotion_committee"):
            grant_role(db.session.get(Person, dept.ids[role]), role)
        db.session.add(DivisionDirector(division_id=dept.divisions["CARD"], person_id=dept.ids["director"]))
        db.session.add(DivisionDirector(division_id=dept.divisions["NEPH"], person_id=dept.ids["other_director"]))
        dept.mentorship_id = dept.pair("mentor", "mentee")
        dept.other_mentorship_id = dept.pair("other_mentor", "other_mentee")
        db.session.commit()
        return dept

    def pair(self, mentor: str, mentee: str, kind: str = "formal", started_on: date = date(2024, 1, 1)) -> int:
        mentorship = Mentorship(
            mentor_id=self.ids[mentor],
            mentee_id=self.ids[mentee],
            kind=kind,
            started_on=started_on,
            created_at=utcnow(),
        )
        db.session.add(mentorship)
        db.session.flush()
        return mentorship.id

    def email(self, role: str) -> str:
        return PEOPLE[role][0]

    def token(self, client, role: str) -> str:
        response = client.post("/api/v1/auth/tokens", json={"email": self.email(role), "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]

    def headers(self, client, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(client, role)}"}
