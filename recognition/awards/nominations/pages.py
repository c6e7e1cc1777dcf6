"""What the nomination pages (the "nominations" blueprint) share: the blueprint itself,
which the nomination pages (``nominations.views``), the committee's actions
(``committee.views``) and the winners' and public pages (``announcement.views``) all add
their routes to, so every endpoint keeps its name; the nomination page itself, which each
re-renders with a refusal on its form; and the eligibility in words."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, redirect, render_template, url_for

from ...auth.current import page_actor
from ...auth.service import Actor
from ...clock import today
from ...people.forms import RANK_LABELS
from ..committee import recusal
from ..committee import service as committee
from ..cycles import phases
from ..definitions import service as definitions
from ..models import Award, Nomination
from . import evidence, letters
from . import service as nominations
from .forms import (
    ConflictForm,
    LetterForm,
    PhilosophyForm,
    ScoreForm,
    StatementForm,
    score_field,
)

blp = Blueprint("nominations", __name__)


PHASE_LABELS = {
    "scheduled": "scheduled: nominations are not open yet",
    "open": "open for nominations",
    "closed": "nominations closed",
    "review": "committee review",
    "decided": "decided",
    "announced": "announced",
}


def years_text(count: int) -> str:
    return f"{count} year" if count == 1 else f"{count} years"


def eligibility_words(award: Award) -> list[str]:
    """The award's eligibility rules as a nominator reads them, before choosing anyone."""
    rules = definitions.eligibility(award)
    words = ["A colleague nominates: nobody nominates themself."]
    if award.level == "division" and award.division is not None:
        words.append(f"Open only to members of {award.division.name}.")
    if rules.ranks is not None:
        words.append("Open only to these ranks: " + ", ".join(RANK_LABELS.get(r, r) for r in rules.ranks) + ".")
    if rules.max_years_on_faculty is not None:
        words.append(
            f"Early career: at most {years_text(rules.max_years_on_faculty)} on faculty, counted from the appointment date."
        )
    if rules.min_years_mentoring is not None:
        words.append(
            f"At least {years_text(rules.min_years_mentoring)} of mentoring, counted from their first mentorship "
            "as a mentor in the record."
        )
    if rules.min_mentees is not None:
        words.append(f"At least {rules.min_mentees} mentee{'s' * (rules.min_mentees != 1)} in the record.")
    exclusion = rules.past_winner_exclusion_years
    if exclusion is None:
        words.append("Past winners of this award are not eligible again.")
    elif exclusion == 0:
        words.append("Past winners of this award may be nominated again.")
    else:
        words.append(f"Past winners of this award are eligible again {years_text(exclusion)} after they won.")
    return words


def standing(actor: Actor, nomination: Nomination) -> dict[str, bool]:
    """What the reader is to this nomination, for choosing the sections: a recused member
    counts as no member (``role_in``), and a nominee reads nothing confidential whatever
    else they are."""
    roles = nominations.role_in(actor, nomination)
    nominee = "nominee" in roles
    member = "member" in roles
    manager = "manager" in roles
    nominator = "nominator" in roles
    insider = (manager or member) and not nominee
    return {
        "manager": manager,
        "member": member,
        "nominator": nominator,
        "nominee": nominee,
        "insider": insider,  # reads every statement and the score sets
        "letters": not nominee and (insider or nominator) and letters.may_read_letters(actor, nomination),
        # the evidence: the committee, the managers and the nominee; not a nominator
        "evidence": insider or nominee,
    }


def render_detail(
    nomination: Nomination,
    actor: Actor,
    *,
    statement_form=None,
    philosophy_form=None,
    letter_form=None,
    conflict_form=None,
    score_form=None,
    action_form=None,
    status: int = 200,
):
    """The nomination page; a form argument carries a refused submission."""
    day = today()
    cycle = nomination.cycle
    award = cycle.award
    who = standing(actor, nomination)
    is_open = phases.is_nominating_open(cycle, day)
    statements = list(nomination.statements)
    own_statement = next((s for s in statements if s.nominator_id == actor.person_id), None)
    if not who["insider"]:
        statements = [own_statement] if own_statement is not None and not who["nominee"] else []
    shown = {
        "statement": is_open and own_statement is not None,
        "philosophy": is_open and who["nominee"],
        "letter": is_open and who["letters"] and (who["nominator"] or who["manager"]),
        "conflict": who["member"] and cycle.phase not in ("decided", "announced"),
        "score": who["member"] and phases.is_scoring_open(cycle, day),
    }
    if shown["statement"] and statement_form is None and own_statement is not None:
        statement_form = StatementForm(formdata=None, statement=own_statement.text)
    if shown["philosophy"] and philosophy_form is None:
        philosophy_form = PhilosophyForm(formdata=None, philosophy=nomination.philosophy or "")
    if shown["letter"] and letter_form is None:
        letter_form = LetterForm(formdata=None)
    if shown["conflict"] and conflict_form is None:
        conflict_form = ConflictForm(formdata=None)
    text = definitions.rubric_text(award)
    own = recusal.own_scores(nomination.id, actor.person_id) if who["member"] else None
    if shown["score"] and score_form is None:
        data = {score_field(key): str(value) for key, value in json.loads(own.scores).items()} if own else {}
        score_form = ScoreForm.for_rubric(text, formdata=None, data={**data, "comment": own.comment if own else ""})
    # A refused form whose section is not on the page (the phase moved on, the role does
    # not allow it) still says why at the top.
    submitted = {
        "statement": statement_form,
        "philosophy": philosophy_form,
        "letter": letter_form,
        "conflict": conflict_form,
        "score": score_form,
    }
    orphans = [form for name, form in submitted.items() if form is not None and not shown[name]]
    if action_form is not None:
        orphans.append(action_form)
    table, digest = evidence.evidence(nomination, day) if who["evidence"] else (None, None)
    sets = committee.score_sets(nomination, actor, day) if who["insider"] else []
    return render_template(
        "nominations/detail.html",
        actor=actor,
        nomination=nomination,
        cycle=cycle,
        award=award,
        who=who,
        phase=PHASE_LABELS.get(cycle.phase, cycle.phase),
        is_open=is_open,
        scoring_open=shown["score"],
        review_starts=phases.review_starts(cycle),
        shown=shown,
        statements=statements,
        own_statement=own_statement,
        statement_form=statement_form,
        philosophy_form=philosophy_form,
        letter_form=letter_form,
        conflict_form=conflict_form,
        score_form=score_form,
        orphans=orphans,
        letters=letters.readable_letters(actor, nomination) if who["letters"] else [],
        max_letters=letters.MAX_LETTERS,
        letter_limits={
            "kb": int(current_app.config["AWARD_LETTER_MAX_BYTES"]) // 1024,
            "pages": int(current_app.config["AWARD_LETTER_MAX_PAGES"]),
        },
        evidence=table,
        digest=digest,
        profile_philosophy=(table.get("philosophy") or "") if table is not None else None,
        rubric=text,
        criteria={c.id: c.name for c in text.criteria},
        own=own,
        history=committee.revisions(own.id) if own else [],
        score_sets=[{"set": s, "scores": json.loads(s.scores)} for s in sets],
        scores_withheld=who["insider"] and committee.scores_withheld(nomination, actor, day),
        loads=json.loads,
    ), status


def nomination_or_404(nomination_id: int) -> tuple[Actor, Nomination]:
    actor = page_actor()
    return actor, nominations.get_nomination(nomination_id, actor)


def back_to(nomination: Nomination, anchor: str):
    return redirect(url_for("nominations.detail", nomination_id=nomination.id, _anchor=anchor))
