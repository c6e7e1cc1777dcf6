"""Short, plausible notes for demo ledger entries and mentorship endings."""

from __future__ import annotations

# Formal-mentorship meetings, by how far the mentee is into their first five years
# (months since appointment, up to).
MEETING_TOPICS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        12,
        (
            "Settling in: clinical schedule, protected time and who to ask for what.",
            "Talked through the first draft of the five-year academic plan.",
            "Discussed building a teaching portfolio from the start.",
            "Went over start-up funds and the first grant to aim for.",
            "Reviewed expectations for the first year; agreed to meet quarterly.",
            "Introductions to the division's research and education leads.",
            "Balancing a new clinic with family; practical tips on saying no.",
        ),
    ),
    (
        24,
        (
            "Prepared for the 1.5-year check-in with the vice-chair.",
            "Debriefed the 1.5-year check-in; updated the academic plan.",
            "Discussed a first CIHR Project Grant application and co-investigators.",
            "Reviewed residents' teaching evaluations and what to change.",
            "Planned a first-author manuscript and a realistic timeline.",
            "Talked about joining a hospital committee and what to decline.",
        ),
    ),
    (
        40,
        (
            "CFAR preparation: what reviewers read and how to present the academic plan.",
            "Went through the CFAR dossier draft and teaching dossier together.",
            "Discussed letters for the CFAR file and whom to ask.",
            "Debriefed the CFAR outcome and set goals for the next two years.",
            "Grant resubmission strategy after reviewers' comments.",
            "Clinical workload creeping up; planned a conversation with the director.",
        ),
    ),
    (
        61,
        (
            "Started planning towards promotion to associate professor.",
            "Reviewed the CV against the promotion criteria for the position.",
            "Talked about taking on a first graduate student.",
            "Discussed a leadership role in the residency program.",
            "Looked back on five years; what the mentee wants from mentoring next.",
            "Discussed becoming a mentor for a new faculty member.",
        ),
    ),
)
GENERAL_TOPICS = (
    "Career check-in.",
    "Work-life integration and call schedule.",
    "Reviewed progress on the academic plan.",
    "Networking: introductions at the department's Annual Day.",
    "Talked about a difficult team situation and options.",
    "Manuscript revisions and responding to reviewers.",
    "Discussed an invitation to give Medical Grand Rounds.",
    "",
)
FIRST_MEETING = "First meeting: introductions, expectations and goals for the mentorship."

PLAN_REVIEWS = (
    "Annual review of the five-year academic plan; goals updated for the coming year.",
    "Academic plan review: research, teaching and clinical goals on track.",
    "Academic plan review: reset goals after a heavy clinical year.",
    "Reviewed the academic plan ahead of the annual review with the division director.",
)
FIRST_PLAN = "Drafted the five-year academic plan together."

PEER_TOPICS = (
    "Writing accountability: goals for the month.",
    "Case-based discussion: giving difficult feedback to learners.",
    "Preparing for CFAR: members shared their dossiers.",
    "Negotiating protected time.",
    "Peer review of a grant's specific aims.",
    "Guest: the vice-chair on the promotion process.",
    "Burnout and boundaries.",
    "Building a teaching dossier.",
    "Leadership: running effective meetings.",
    "Members' wins and setbacks this month.",
)

INFORMAL_TOPICS = (
    "Coffee catch-up: career advice.",
    "Advice on a job offer at another hospital.",
    "Talked through a new quality-improvement project.",
    "Informal check-in after a tough month on service.",
    "Discussed a sabbatical plan.",
)

SPONSOR_ACTIONS = (
    "Nominated the protégé for the department's Early Career Award.",
    "Recommended the protégé as a speaker at Medical Grand Rounds.",
    "Put the protégé forward for the division's education lead role.",
    "Introduced the protégé to the chair of a CIHR review panel.",
    "Invited the protégé to co-author an invited review.",
    "Recommended the protégé for a hospital research committee.",
)

TRAINING = (
    "Completed the Department of Medicine mentorship workshop (Centre for Faculty Development).",
    "Completed the 'Mentoring the Mentor' half-day program.",
    "Attended the faculty development session on mentoring across difference.",
    "Completed the online mentor training modules.",
)
PREPARATION = (
    "Prepared for a mentee's CFAR discussion: read the academic plan and teaching evaluations.",
    "Read the mentee's draft grant before our meeting.",
    "Reviewed the promotion criteria before a mentee's planning meeting.",
    "Read up on mentoring early-career clinician scientists.",
)

SWITCH_REASONS = (
    "Mentor went on sabbatical; a new mentor was assigned.",
    "Mentee asked for a mentor closer to their research area.",
    "Mentor moved to another hospital.",
    "Mentor retired.",
    "Mentor took on a leadership role with supervisory duties.",
)
COMPLETED = "Completed the five-year formal mentoring period."
INFORMAL_ENDED = "Wound down by mutual agreement."
SPONSOR_ENDED = "Protégé promoted; sponsorship concluded."
LEFT_GROUP = "Left the group."


def meeting_topic(rng, months_in: int) -> str:
    if rng.random() < 0.25:
        return rng.choice(GENERAL_TOPICS)
    for limit, topics in MEETING_TOPICS:
        if months_in < limit:
            return rng.choice(topics)
    return rng.choice(GENERAL_TOPICS)
