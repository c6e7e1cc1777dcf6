"""The nomination pages: nominate a colleague, one nomination as each role sees it (letters,
philosophy, evidence, scores, conflicts), my nominations, my awards and their downloads,
and the public recognition page.

Pages work on today's date, so the cycles here are built around today (``around_today``)
and stepped by the real cycle job; the announced cycle comes from ``AwardWorld``, whose
grants do not depend on the date.
"""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import func, select

from recognition.awards import lifecycle
from recognition.awards.announcement import badges
from recognition.awards.announcement import service as announce
from recognition.awards.committee import service as committee
from recognition.awards.cycles import decision
from recognition.awards.cycles import service as cycles
from recognition.awards.definitions import service as definitions
from recognition.awards.models import Grant, Letter, Nomination, NominationStatement, Recusal, ScoreRevision
from recognition.awards.nominations import letters
from recognition.awards.nominations import service as nominations
from recognition.awards.rules import SELF_NOMINATION
from recognition.clock import today, utcnow
from recognition.credits.signing import app_key
from recognition.extensions import db
from tests.pages.test_page_csrf import sign_in, token_from
from tests.support.awards import MEMBERS, NOMINATIONS, SCHEDULE, AwardWorld, actor

# Days from today of each date of a cycle that is in the given phase today.
OFFSETS = {
    "scheduled": (5, 15, 30, 35, 40),
    "open": (-5, 5, 20, 25, 30),
    "closed": (-20, -1, 20, 25, 30),  # closed today; the review starts in three days
    "review": (-30, -10, 10, 15, 20),
}
SCORES = {"score-impact": "4", "score-commitment": "3", "score-quality": "5", "score-citizenship": "2"}


@dataclass
class Around:
    cycle_id: int = 0
    nomination_ids: dict[str, int] = field(default_factory=dict)  # nominee role -> nomination id


def around_today(app, dept, phase: str, nominate: bool = True, while_open=None, **settings) -> Around:
    """An award whose cycle is in ``phase`` today, with the committee of ``AwardWorld`` and,
    if ``nominate``, its nominations (made on the opening day); ``while_open(cycle, world)``
    runs on the opening day too, before the cycle job catches up to today."""
    with app.app_context():
        day, now = today(), utcnow()
        award = definitions.create(
            {
                "slug": "mentor-of-the-year",
                "name": "Mentor of the Year",
                "description": "For sustained, generous mentorship.",
                **SCHEDULE,
                **settings,
            },
            now,
        )
        dates = {
            name: day + timedelta(days=offset) for name, offset in zip(cycles.DATE_FIELDS, OFFSETS[phase], strict=True)
        }
        cycle = cycles.create_cycle(award, day.year, now, dates)
        for role in MEMBERS:
            committee.add_member(cycle, dept.ids[role], actor(dept, "admin"), now)
        db.session.commit()
        world = Around(cycle.id)
        if phase != "scheduled":
            lifecycle.step(cycle, "open", cycle.opens_on, now)
            for nominee, nominator in NOMINATIONS if nominate else ():
                world.nomination_ids[nominee] = nominations.nominate(
                    cycle, dept.ids[nominee], f"{nominee} mentors well.", actor(dept, nominator), cycle.opens_on, now
                ).id
            if while_open is not None:
                while_open(cycle, world)
            db.session.commit()
            lifecycle.advance_all(day, now)
            db.session.commit()
        assert cycles.get(world.cycle_id).phase == phase
        return world


def pdf(pages: int = 1, text: str = "In support of this nomination", **options) -> bytes:
    """A real PDF letter of ``pages`` pages, made with reportlab."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, **options)
    for page in range(1, pages + 1):
        canvas.drawString(72, 720, f"{text}, page {page}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def page_text(response) -> str:
    """The page as a reader hears it: tags dropped, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def field_error(response, field_id: str) -> str:
    """The error shown next to a field (``<... id="<field>-error">``), as text."""
    found = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</', response.get_data(as_text=True), re.DOTALL)
    assert found, f"no error next to {field_id}"
    return html.unescape(found.group(1))


def upload(client, nomination_id: int, data: bytes, filename: str = "support.pdf", author: str = "Dr Ada Support"):
    return client.post(
        f"/awards/nominations/{nomination_id}/letters",
        content_type="multipart/form-data",
        data={"letter": (io.BytesIO(data), filename), "author": author},
    )


# Nominating ------------------------------------------------------------------------------------


def test_a_colleague_is_found_by_name_and_nominated(app, client, dept, login):
    world = around_today(app, dept, "open")
    login(client, "director")
    page = client.get(f"/awards/cycles/{world.cycle_id}/nominate?q=other")
    assert page.status_code == 200
    text = page_text(page)
    assert "Who can be nominated" in text and "nobody nominates themself" in text
    assert "Past winners of this award are not eligible again." in text
    body = page.get_data(as_text=True)
    assert f'value="{dept.ids["other_mentor"]}"' in body and "Other Mentor Person (Nephrology" in text
    assert "other.mentor@test.example.org" not in body  # found by name, listed without emails

    response = client.post(
        f"/awards/cycles/{world.cycle_id}/nominate",
        data={"nominee_id": str(dept.ids["other_mentor"]), "statement": "She built our peer group.", "q": "other"},
    )
    assert response.status_code == 302
    nomination_id = int(re.fullmatch(r"/awards/nominations/(\d+)", response.headers["Location"]).group(1))
    detail = client.get(response.headers["Location"])
    assert "You nominated Other Mentor Person for Mentor of the Year" in page_text(detail)
    assert "She built our peer group." in page_text(detail)
    with app.app_context():
        assert nominations.nominator_ids(nomination_id) == [dept.ids["director"]]


def test_a_search_by_email_finds_the_colleague(app, client, dept, login):
    world = around_today(app, dept, "open")
    login(client, "director")
    text = page_text(client.get(f"/awards/cycles/{world.cycle_id}/nominate?q=outsider@test"))
    assert "1 person matches" in text and "Outsider Person" in text


def test_self_nomination_is_refused_with_the_rule(app, client, dept, login):
    world = around_today(app, dept, "open")
    login(client, "director")
    before = count(app, NominationStatement)
    response = client.post(
        f"/awards/cycles/{world.cycle_id}/nominate",
        data={"nominee_id": str(dept.ids["director"]), "statement": "I am great."},
    )
    assert response.status_code == 422
    assert SELF_NOMINATION in field_error(response, "nominee_id")
    assert count(app, NominationStatement) == before


def test_nominating_the_same_colleague_twice_is_refused(app, client, dept, login):
    world = around_today(app, dept, "open")  # promotion_committee nominated mentor already
    login(client, "promotion_committee")
    before = count(app, NominationStatement)
    response = client.post(
        f"/awards/cycles/{world.cycle_id}/nominate", data={"nominee_id": str(dept.ids["mentor"]), "statement": "Again."}
    )
    assert response.status_code == 409
    assert "already nominated by you in this cycle" in field_error(response, "nominee_id")
    assert "You have already nominated Mentor Person" in page_text(response)
    assert count(app, NominationStatement) == before


def test_a_second_nominator_adds_a_statement_to_the_same_nomination(app, client, dept, login):
    world = around_today(app, dept, "open")
    login(client, "outsider")
    response = client.post(
        f"/awards/cycles/{world.cycle_id}/nominate",
        data={"nominee_id": str(dept.ids["mentor"]), "statement": "Also from me."},
    )
    assert response.headers["Location"] == f"/awards/nominations/{world.nomination_ids['mentor']}"
    assert "your statement is added to the same nomination" in page_text(client.get(response.headers["Location"]))


def test_an_ineligible_colleague_is_refused_with_the_reason(app, client, dept, login):
    world = around_today(app, dept, "open", nominate=False, eligibility={"min_mentees": 1})
    login(client, "director")
    page = page_text(client.get(f"/awards/cycles/{world.cycle_id}/nominate"))
    assert "At least 1 mentee in the record." in page
    response = client.post(
        f"/awards/cycles/{world.cycle_id}/nominate",
        data={"nominee_id": str(dept.ids["outsider"]), "statement": "Kind to all."},
    )
    assert response.status_code == 422
    assert "needs at least 1 mentee; the candidate has 0" in field_error(response, "nominee_id")
    assert count(app, Nomination) == 0


def test_a_nomination_without_a_colleague_or_statement_names_the_fields(app, client, dept, login):
    world = around_today(app, dept, "open")
    login(client, "director")
    response = client.post(f"/awards/cycles/{world.cycle_id}/nominate", data={"nominee_id": "x", "statement": " "})
    assert response.status_code == 422
    assert "must be one of the colleagues found" in field_error(response, "nominee_id")
    assert "is required" in field_error(response, "statement")
    huge = client.post(f"/awards/cycles/{world.cycle_id}/nominate", data={"nominee_id": str(2**63), "statement": "Hi"})
    assert huge.status_code == 422 and "must be one of the colleagues found" in field_error(huge, "nominee_id")
    nobody = client.post(f"/awards/cycles/{world.cycle_id}/nominate", data={"nominee_id": "999999", "statement": "Hi"})
    assert nobody.status_code == 422 and "must name a person in the department" in field_error(nobody, "nominee_id")


@pytest.mark.parametrize(
    ("phase", "said"), [("scheduled", "Nominations are not open yet."), ("closed", "Nominations are closed.")]
)
def test_outside_the_window_the_page_says_when_and_refuses(app, client, dept, login, phase, said):
    world = around_today(app, dept, phase)
    with app.app_context():
        cycle = cycles.get(world.cycle_id)
        opens, closes = cycle.opens_on, cycle.closes_on
    login(client, "director")
    page = client.get(f"/awards/cycles/{world.cycle_id}/nominate")
    text = page_text(page)
    assert said in text
    when = opens if phase == "scheduled" else closes
    assert f"{when.day} {when:%B %Y}" in text
    assert 'name="statement"' not in page.get_data(as_text=True)
    before = count(app, NominationStatement)
    response = client.post(
        f"/awards/cycles/{world.cycle_id}/nominate",
        data={"nominee_id": str(dept.ids["other_mentor"]), "statement": "Late."},
    )
    assert response.status_code == 409
    assert "is not open for nominations" in page_text(response)
    assert count(app, NominationStatement) == before


def test_an_unknown_cycle_is_not_found(client, dept, login):
    login(client, "director")
    assert client.get("/awards/cycles/999/nominate").status_code == 404


# Who sees what ------------------------------------------------------------------------------------


def _add_letter(dept):
    def add(cycle, world):
        nomination = db.session.get(Nomination, world.nomination_ids["other_mentee"])
        letters.add_letter(
            nomination,
            pdf(),
            "support.pdf",
            "Dr Confidential Letter",
            actor(dept, "outsider"),
            cycle.opens_on,
            utcnow(),
        )

    return add


def test_each_role_sees_only_its_sections(app, client, dept, login):
    world = around_today(app, dept, "review", while_open=_add_letter(dept))
    nomination_id = world.nomination_ids["other_mentee"]  # by outsider; other_mentor mentors other_mentee
    path = f"/awards/nominations/{nomination_id}"
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        committee.score(
            nomination,
            actor(dept, "director"),
            {"impact": 3, "commitment": 3, "quality": 3, "citizenship": 3},
            "Director's private view",
            today(),
            utcnow(),
        )
        db.session.commit()

    login(client, "other_mentee")  # the nominee
    response = client.get(path)
    assert response.status_code == 200
    text = page_text(response)
    assert "Other Mentee Person" in text and "committee review" in text and "Evidence from the mentoring record" in text
    assert "You are the nominee" in text
    for secret in (
        "other_mentee mentors well.",
        "Dr Confidential Letter",
        "Director's private view",
        "Scores",
        "Declare a conflict",
    ):
        assert secret not in text, secret
    letter_id = _letter_ids(app, nomination_id)[0]
    assert client.get(f"{path}/letters/{letter_id}").status_code == 404

    login(client, "outsider")  # the nominator: what they wrote, not the nominee's record
    text = page_text(client.get(path))
    assert "other_mentee mentors well." in text and "Dr Confidential Letter" in text
    assert "Director's private view" not in text and "Declare a conflict" not in text
    assert "Evidence from the mentoring record" not in text and "Frozen on" not in text
    assert "is for the committee, the award's administrators and the nominee" in text
    assert client.get(f"{path}/letters/{letter_id}").status_code == 200

    for role in ("promotion_committee", "other_mentor"):  # nobody to it; a recused member
        login(client, role)
        assert client.get(path).status_code == 404, role
        assert client.get(f"{path}/letters/{letter_id}").status_code == 404, role

    login(client, "award_committee")  # an unrecused member, during the review
    response = client.get(path)
    text = page_text(response)
    assert "other_mentee mentors well." in text and "Dr Confidential Letter" in text
    assert "Director's private view" not in text  # the other members' score sets wait for their own
    assert "The other members' scores and comments are shown once you have saved your own" in text
    assert f'action="/awards/nominations/{nomination_id}/scores"' in response.get_data(as_text=True)
    assert "Impact on mentees' careers" in text and "Mentees' milestones: appointments, CFAR" in text  # name, hint
    assert "Declare a conflict" in text

    login(client, "admin")  # the award's administrator sees everything, scores included
    text = page_text(client.get(path))
    assert (
        "other_mentee mentors well." in text and "Director's private view" in text and "Dr Confidential Letter" in text
    )


def _letter_ids(app, nomination_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(select(Letter.id).where(Letter.nomination_id == nomination_id).order_by(Letter.id))
        )


def test_evidence_is_live_while_open_and_frozen_with_its_hash_after(app, client, dept, login):
    open_world = around_today(app, dept, "open")
    login(client, "mentor")
    text = page_text(client.get(f"/awards/nominations/{open_world.nomination_ids['mentor']}"))
    assert "Live until nominations close" in text
    assert "Mentee Person Formal" in text  # the mentorship row: mentee, kind


def test_the_evidence_table_says_when_it_was_frozen(app, client, dept, login):
    world = around_today(app, dept, "closed")
    with app.app_context():
        digest = db.session.get(Nomination, world.nomination_ids["mentor"]).evidence_hash
    login(client, "mentor")
    text = page_text(client.get(f"/awards/nominations/{world.nomination_ids['mentor']}"))
    assert f"Frozen on {today().day} {today():%B %Y}, SHA-256 {digest}" in text
    assert "pooled from at least 3 responses" in text


# Letters ---------------------------------------------------------------------------------------------


def test_a_nominator_uploads_downloads_and_removes_a_letter(app, client, dept, login):
    world = around_today(app, dept, "open")
    nomination_id = world.nomination_ids["mentor"]
    login(client, "admin")
    letter = pdf(pages=2)
    response = upload(client, nomination_id, letter)
    assert response.status_code == 302
    text = page_text(client.get(f"/awards/nominations/{nomination_id}"))
    assert "Letter from Dr Ada Support added (2 pages)." in text
    assert "Dr Ada Support support.pdf 2" in text
    letter_id = _letter_ids(app, nomination_id)[0]
    download = client.get(f"/awards/nominations/{nomination_id}/letters/{letter_id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(download.data)).pages) == 2  # the re-written copy of the upload

    login(client, "mentor")  # the nominee may neither read nor remove it
    assert client.post(f"/awards/nominations/{nomination_id}/letters/{letter_id}/remove").status_code == 404
    login(client, "admin")
    assert client.post(f"/awards/nominations/{nomination_id}/letters/{letter_id}/remove").status_code == 302
    assert _letter_ids(app, nomination_id) == []


@pytest.mark.parametrize(
    ("data", "filename", "rule"),
    [
        (b"Dear committee, she is wonderful.\n", "letter.pdf", "must be a PDF: letter.pdf does not start like one"),
        (pdf() + b"%" + b"0" * 30_000, "big.pdf", "must be at most 20 KB (this one is 30 KB)"),
        (pdf(pages=3), "long.pdf", "must be at most 2 pages (this one has 3)"),
        (pdf(encrypt="secret"), "locked.pdf", "must not be encrypted or password-protected"),
        (pdf()[:300], "cut.pdf", "must be a PDF that opens: cut.pdf is damaged"),
    ],
    ids=["text renamed pdf", "too large", "too many pages", "encrypted", "damaged"],
)
def test_a_bad_letter_is_refused_next_to_the_file_field(app, client, dept, login, data, filename, rule):
    app.config["AWARD_LETTER_MAX_BYTES"] = 20 * 1024  # small bodies: no spooled upload files in the test
    world = around_today(app, dept, "open")
    login(client, "admin")
    response = upload(client, world.nomination_ids["mentor"], data, filename)
    assert response.status_code == 422
    assert rule in field_error(response, "letter")
    assert count(app, Letter) == 0


def test_a_sixth_letter_is_refused(app, client, dept, login):
    world = around_today(app, dept, "open")
    nomination_id = world.nomination_ids["mentor"]
    login(client, "admin")
    for number in range(5):
        assert upload(client, nomination_id, pdf(), author=f"Writer {number}").status_code == 302
    response = upload(client, nomination_id, pdf(), author="Writer 6")
    assert response.status_code == 409
    assert "at most 5 letters per nomination" in field_error(response, "letter")
    assert count(app, Letter) == 5


def test_an_upload_over_the_request_limit_is_refused_on_the_page(app, client, dept, login):
    app.config.update(MAX_CONTENT_LENGTH=50_000, AWARD_LETTER_MAX_BYTES=20 * 1024)
    world = around_today(app, dept, "open")
    login(client, "admin")
    response = upload(client, world.nomination_ids["mentor"], b"%PDF-1.4\n" + b"0" * 60_000)
    assert response.status_code == 413
    assert "must be at most 20 KB" in field_error(response, "letter")
    assert count(app, Letter) == 0


def test_only_nominators_and_administrators_add_letters(app, client, dept, login):
    world = around_today(app, dept, "open")
    login(client, "mentor")  # the nominee
    response = upload(client, world.nomination_ids["mentor"], pdf())
    assert response.status_code == 403
    assert "Only a nominator or the award's administrator adds letters." in page_text(response)
    assert count(app, Letter) == 0


# Statements and the nominee's philosophy -------------------------------------------------------


def test_a_nominator_changes_the_statement_and_withdraws(app, client, dept, login):
    world = around_today(app, dept, "open")
    nomination_id = world.nomination_ids["other_director"]  # nominated by mentee only
    login(client, "mentee")
    assert client.post(f"/awards/nominations/{nomination_id}/statement", data={"statement": ""}).status_code == 422
    response = client.post(f"/awards/nominations/{nomination_id}/statement", data={"statement": "Better words."})
    assert response.status_code == 302
    assert "Better words." in page_text(client.get(f"/awards/nominations/{nomination_id}"))
    response = client.post(f"/awards/nominations/{nomination_id}/withdraw")
    assert response.headers["Location"] == "/awards/nominations"
    assert "the nomination and its letters are removed" in page_text(client.get("/awards/nominations"))
    with app.app_context():
        assert db.session.get(Nomination, nomination_id) is None
    login(client, "admin")  # the award's manager sees that it happened, and who did it
    text = page_text(client.get(f"/awards/cycles/{world.cycle_id}"))
    assert "Withdrawals" in text and "Mentee Person" in text and "the nomination (no other statement left)" in text


def test_the_nominee_writes_a_philosophy_the_committee_reads(app, client, dept, login):
    world = around_today(app, dept, "open")
    nomination_id = world.nomination_ids["mentor"]
    path = f"/awards/nominations/{nomination_id}"
    login(client, "mentor")
    assert 'name="philosophy"' in client.get(path).get_data(as_text=True)
    refused = client.post(f"{path}/philosophy", data={"philosophy": "  "})
    assert refused.status_code == 422 and "is required" in field_error(refused, "philosophy")
    assert client.post(f"{path}/philosophy", data={"philosophy": "Listen first, then ask."}).status_code == 302
    assert "Listen first, then ask." in page_text(client.get(path))
    login(client, "admin")  # the nominator reads it; only the nominee writes it
    assert "Listen first, then ask." in page_text(client.get(path))
    response = client.post(f"{path}/philosophy", data={"philosophy": "Not mine to write."})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Nomination, nomination_id).philosophy == "Listen first, then ask."


# Scores and conflicts ------------------------------------------------------------------------------


def test_a_member_scores_then_changes_the_scores_and_sees_both(app, client, dept, login):
    world = around_today(app, dept, "review")
    nomination_id = world.nomination_ids["mentor"]
    path = f"/awards/nominations/{nomination_id}"
    login(client, "award_committee")
    missing = client.post(f"{path}/scores", data={"score-impact": "4", "comment": "x"})
    assert missing.status_code == 422
    assert "is required: choose a score from 1 to 5" in field_error(missing, "score-quality")
    assert client.post(f"{path}/scores", data={**SCORES, "comment": "First look"}).status_code == 302
    assert (
        client.post(f"{path}/scores", data={**SCORES, "score-impact": "1", "comment": "Second look"}).status_code == 302
    )
    response = client.get(path)
    text = page_text(response)
    assert "2 (current)" in text and "First look" in text and "Second look" in text
    assert '<input checked id="score-impact-0"' in response.get_data(as_text=True)  # the form shows the current scores
    assert count(app, ScoreRevision) == 2
    mine = page_text(client.get("/awards/nominations")).replace(" ;", ";")
    assert (
        "Mentor Person Impact on mentees' careers: 1; Sustained commitment: 3; Quality of the relationships: 5; "
        "Mentoring citizenship: 2 (revision 2)"
    ) in mine

    login(client, "director")  # another member reads them once they have given their own
    text = page_text(client.get(path))
    assert "Second look" not in text and "shown once you have saved your own" in text
    assert "You have scored 0 of 3" in page_text(client.get("/awards/nominations"))
    assert client.post(f"{path}/scores", data={**SCORES, "comment": "Mine"}).status_code == 302
    assert "Award Committee Person 1 3 5 2 Second look" in page_text(client.get(path))


def test_declaring_a_conflict_hides_the_nomination(app, client, dept, login):
    world = around_today(app, dept, "review")
    nomination_id = world.nomination_ids["mentor"]
    login(client, "award_committee")
    refused = client.post(f"/awards/nominations/{nomination_id}/conflict", data={"reason": ""})
    assert refused.status_code == 422 and "is required" in field_error(refused, "reason")
    response = client.post(f"/awards/nominations/{nomination_id}/conflict", data={"reason": "We co-wrote a grant."})
    assert response.headers["Location"] == "/awards/nominations"
    text = page_text(client.get("/awards/nominations"))
    assert "You declared a conflict with Mentor Person's nomination" in text
    assert "You are recused from 1 nomination of this cycle" in text
    assert client.get(f"/awards/nominations/{nomination_id}").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Recusal.reason).where(Recusal.source == "declared")).all() == [
            "We co-wrote a grant."
        ]


def test_scoring_before_the_review_is_refused_with_the_date(app, client, dept, login):
    world = around_today(app, dept, "closed")
    path = f"/awards/nominations/{world.nomination_ids['mentor']}"
    login(client, "award_committee")
    text = page_text(client.get(path))
    assert "Scoring opens on" in text
    response = client.post(f"{path}/scores", data=SCORES)
    assert response.status_code == 409 and "Scoring opens on" in page_text(response)
    assert count(app, ScoreRevision) == 0


# My nominations ------------------------------------------------------------------------------------


def test_my_nominations_lists_each_side(app, client, dept, login):
    around_today(app, dept, "review")
    login(client, "promotion_committee")
    assert "Mentor Person Mentor of the Year" in page_text(client.get("/awards/nominations"))
    login(client, "mentor")
    text = page_text(client.get("/awards/nominations"))
    assert "Colleagues nominated you" in text and "Mentor of the Year" in text
    assert "You have not nominated anyone." in text
    login(client, "other_mentor")  # recused from other_mentee's nomination
    text = page_text(client.get("/awards/nominations"))
    assert "You have scored 0 of 2" in text and "Other Mentee Person" not in text


# My awards -------------------------------------------------------------------------------------------


def test_my_awards_lists_the_grant_and_its_downloads(app, client, dept, login):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("closed")
        world.to("review")
        world.score_all({"mentor": {"impact": 5, "commitment": 5, "quality": 5, "citizenship": 5}})
        decision.decide(
            world.cycle,
            [world.nomination_ids["mentor"]],
            {},
            "",
            actor(dept, "admin"),
            world.cycle.decision_on,
            utcnow(),
        )
        db.session.commit()
        world.to("announced")
        grant = db.session.scalars(select(Grant)).one()
        grant_id, code, stored = grant.id, grant.code, grant.credential
    login(client, "mentor")
    page = client.get("/awards/mine")
    text = page_text(page)
    assert "Mentor of the Year 2026 15 May 2026 current" in text
    assert f'href="/verify/{code}"' in page.get_data(as_text=True)

    credential = client.get(f"/awards/mine/{grant_id}/credential.json")
    assert credential.status_code == 200 and credential.data.decode("utf-8") == stored
    ok, why = badges.check(json.loads(credential.data), app_key(app).public)
    assert ok, why
    certificate = client.get(f"/awards/mine/{grant_id}/certificate.pdf")
    assert certificate.mimetype == "application/pdf"
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(certificate.data)).pages)
    assert "Mentor Person" in words and "Mentor of the Year" in words

    login(client, "outsider")
    assert "You have not received an award yet." in page_text(client.get("/awards/mine"))
    for suffix in ("certificate.pdf", "credential.json"):
        assert client.get(f"/awards/mine/{grant_id}/{suffix}").status_code == 404

    with app.app_context():
        announce.revoke(db.session.get(Grant, grant_id), "Awarded in error.", actor(dept, "admin"), utcnow())
        db.session.commit()
    login(client, "mentor")
    mine = page_text(client.get("/awards/mine"))
    assert f"Mentor of the Year 2026 15 May 2026 revoked on {today().day} {today():%B %Y}" in mine
    assert "Revoked: Awarded in error." in mine
    assert "No award has been announced yet." in page_text(client.get("/recognition"))  # revoked: no longer listed


def test_the_public_recognition_page_works_signed_out_without_emails(app, client, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        for phase in ("closed", "review"):
            world.to(phase)
        world.score_all()
        decision.decide(
            world.cycle,
            [world.nomination_ids["mentor"]],
            {},
            "",
            actor(dept, "admin"),
            world.cycle.decision_on,
            utcnow(),
        )
        db.session.commit()
        world.to("announced")
        code = db.session.scalars(select(Grant.code)).one()
    page = client.get("/recognition")
    assert page.status_code == 200
    text = page_text(page)
    assert "2026 Mentor of the Year Mentor Person , Cardiology" in text
    body = page.get_data(as_text=True)
    assert f'href="/verify/{code}"' in body and "@" not in body
    assert "Other Mentee Person" not in text  # nominated, not a winner

    award = client.get("/recognition/mentor-of-the-year")
    assert award.status_code == 200
    text = page_text(award)
    assert "For sustained, generous mentorship." in text and "Impact on mentees' careers" in text
    assert "Mentor Person" in text and "@" not in award.get_data(as_text=True)
    unknown = client.get("/recognition/no-such-award")
    assert unknown.status_code == 404 and "There is no award at this address." in page_text(unknown)


def test_the_recognition_page_before_any_announcement(client, dept):
    assert "No award has been announced yet." in page_text(client.get("/recognition"))


# CSRF ------------------------------------------------------------------------------------------------


def test_a_nomination_without_the_csrf_token_is_refused(app, csrf_client, dept):
    world = around_today(app, dept, "open")
    sign_in(csrf_client, dept.email("director"))
    data = {"nominee_id": str(dept.ids["other_mentor"]), "statement": "She built our peer group."}
    before = count(app, NominationStatement)
    refused = csrf_client.post(f"/awards/cycles/{world.cycle_id}/nominate", data=data)
    assert refused.status_code == 400 and "The CSRF token is missing." in refused.get_data(as_text=True)
    assert count(app, NominationStatement) == before
    page = csrf_client.get(f"/awards/cycles/{world.cycle_id}/nominate").get_data(as_text=True)
    accepted = csrf_client.post(
        f"/awards/cycles/{world.cycle_id}/nominate", data={**data, "csrf_token": token_from(page)}
    )
    assert accepted.status_code == 302
    assert count(app, NominationStatement) == before + 1


@pytest.mark.parametrize(
    "path",
    [
        "/awards/nominations",
        "/awards/mine",
        "/awards/cycles/1/nominate",
        "/awards/nominations/1",
        "/awards/mine/1/certificate.pdf",
    ],
)
def test_signed_out_visitors_are_sent_to_sign_in(client, dept, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
