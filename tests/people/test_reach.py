"""A page links a person or a mentorship only when the viewer may open it; otherwise the
name stands as plain text (a director sees a cross-division mentorship whose other side
is not theirs to open)."""

from __future__ import annotations

from recognition.extensions import db


def test_a_director_sees_the_person_outside_their_division_as_plain_text(app, client, dept, login):
    with app.app_context():
        crossing = dept.pair("other_mentor", "mentee", kind="informal")  # NEPH mentors CARD
        db.session.commit()
    mentor, mentee = dept.ids["other_mentor"], dept.ids["mentee"]
    login(client, "director")  # directs CARD
    page = client.get(f"/mentorships/{crossing}").get_data(as_text=True)
    assert f'<dd><a href="/people/{mentee}">Mentee Person</a>' in page
    assert "<dd>Other Mentor Person (Nephrology)</dd>" in page
    assert f'href="/people/{mentor}"' not in page
    assert client.get(f"/people/{mentor}").status_code == 404  # why it is not linked

    client.post("/logout")
    login(client, "admin")  # an administrator opens everyone
    page = client.get(f"/mentorships/{crossing}").get_data(as_text=True)
    assert f'<dd><a href="/people/{mentor}">Other Mentor Person</a>' in page
    assert client.get(f"/people/{mentor}").status_code == 200
