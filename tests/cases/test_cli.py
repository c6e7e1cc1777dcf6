"""``recognition cases``: the list and the referee check from the command line."""

from __future__ import annotations

from recognition.extensions import db

from .conftest import DUE, open_case


def test_cases_list_shows_open_cases_and_the_referee_check_flags_ties(app, dept, runner):
    with app.app_context():
        case_id = open_case(dept, members=("promotion_committee",)).id
        db.session.commit()
    listed = runner.invoke(args=["cases", "list"])
    assert listed.exit_code == 0, listed.output
    assert (
        f"{case_id}\topen\tpromotion to associate\tMentee Person <mentee@test.example.org>\t2023-07-01.."
        f"{DUE.isoformat()}\tdue {DUE.isoformat()}" in listed.output
    )
    assert runner.invoke(args=["cases", "list", "--state", "closed"]).output.count("\topen\t") == 0

    tied = runner.invoke(
        args=[
            "cases",
            "check-referees",
            "mentee@test.example.org",
            "mentor@test.example.org",
            "outsider@test.example.org",
        ]
    )
    assert tied.exit_code == 1
    assert tied.output.splitlines() == [
        "mentor@test.example.org\ttied: has been in a mentorship with the candidate (either way)",
        "outsider@test.example.org\tno tie",
    ]
    clear = runner.invoke(args=["cases", "check-referees", "mentee@test.example.org", "outsider@test.example.org"])
    assert (clear.exit_code, clear.output) == (0, "outsider@test.example.org\tno tie\n")
    unknown = runner.invoke(args=["cases", "check-referees", "mentee@test.example.org", "nobody@test.example.org"])
    assert unknown.exit_code == 1 and "nobody@test.example.org" in unknown.output
