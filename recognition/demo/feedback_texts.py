"""Words for the demo's feedback: mentees' comments and mentors' reflections.

Comments are kind, specific and constructive, name no one, and say nothing that would
point to who wrote them. Reflections follow the Royal College "feedback on teaching"
steps; the ``comparison`` step is written from the report's own figures (reflections.py).
"""

from __future__ import annotations

# Comments, by the instrument's prompt id, then by who is answering: "any" mentee, or
# one of a peer group or a sponsorship. Prompt ids not listed here get no comments.
STRENGTHS = {
    "any": (
        "Always makes time before a grant deadline, even at short notice.",
        "Helped me work out which committee invitations to accept and which to decline.",
        "Gives honest, specific comments on drafts, and gives them quickly.",
        "Introduced me to collaborators outside the division; two of those introductions became projects.",
        "Listens first. I leave every meeting with a clearer plan than I came with.",
        "Went through my CFAR dossier line by line and explained what the committee looks for.",
        "Encouraged me to apply for things I would not have applied for on my own.",
        "Notices progress and says so, which has mattered more than I expected.",
        "Very practical advice on protecting research time in a busy clinical schedule.",
        "Is open about their own setbacks, which made it easier to talk about mine.",
        "Follows up after our meetings with the papers, contacts and templates we talked about.",
        "Treats my goals as mine rather than steering me towards their own projects.",
        "Helped me prepare for a difficult conversation about my clinical workload.",
        "Good at breaking a big goal like promotion into steps for the next six months.",
        "Answers email within a day or two, which makes a real difference.",
        "Gave me a safe place to talk about exhaustion and what to change.",
        "Explained the unwritten rules of the department and the hospital.",
        "Read my teaching dossier and showed me how to describe impact, not just hours.",
        "Keeps our meetings focused and ends each one with agreed next steps.",
        "Thoughtful about equity, and about the extra service load that falls on some faculty.",
        "Candid about what reviewers are likely to say, so there are fewer surprises.",
        "Put me in touch with the research office early, which saved weeks on my first application.",
        "Asks good questions rather than handing me answers.",
        "Supported me through a family leave and helped me re-plan the year afterwards.",
        "Was generous with time before my 1.5-year check-in; I went in well prepared.",
    ),
    "peer_group": (
        "The sessions are well run: everyone gets time and leaves with one concrete next step.",
        "Creates a group where it is fine to bring half-finished work.",
        "Good at drawing out quieter members of the group.",
        "Brings in useful outside speakers without letting them take over the session.",
        "The works-in-progress format has kept me writing all year.",
    ),
    "sponsorship": (
        "Put my name forward for a role I would not have heard about otherwise.",
        "Spoke up for my work in rooms I am not in yet.",
        "Nominated me for a provincial committee and briefed me well before the first meeting.",
        "Made introductions at the national meeting that have already led to an invited talk.",
    ),
}
SUGGESTIONS = {
    "any": (
        "More regular check-ins would help; several months passed between meetings this year.",
        "I would welcome more direct feedback on my writing, even when it is critical.",
        "It would help to agree an agenda before each meeting.",
        "More introductions to people outside our division would be valuable.",
        "Could push me a little harder on publication timelines.",
        "Meetings are sometimes cut short by clinical duties; a protected time slot would help.",
        "I would appreciate more guidance on the promotion process and its timelines.",
        "More advice on negotiating clinical load would be helpful.",
        "It would be good to talk about leadership opportunities, not only research.",
        "Nothing major. Please keep doing what you are doing.",
        "A short written summary of what we agreed would help me follow through.",
        "More help thinking about long-term direction, beyond the next grant.",
        "It would help to hear more about how committees actually make their decisions.",
        "I am happy with the mentoring; I could take more initiative with scheduling myself.",
    ),
    "peer_group": (
        "Sessions could start on time more consistently.",
        "More time for works in progress and less for announcements.",
        "Occasional sessions with invited senior faculty would be a good addition.",
    ),
    "sponsorship": (
        "It would help to hear earlier about nominations being considered.",
        "A short debrief after a nomination, successful or not, would help me learn from it.",
    ),
}
# Constructive comments for the few mentors whose mentees rate them lower.
CRITICAL = (
    "Meetings were hard to schedule this year, and several were cancelled at short notice.",
    "Feedback tends to be general; specific comments on drafts would help more.",
    "I often left meetings unsure what the next steps were.",
    "It felt difficult to raise problems; more open questions and more listening would help.",
    "Some advice reflected how promotion used to work rather than the current criteria.",
    "Replies to email can take weeks; an agreed way to reach you for urgent questions would help.",
    "I would appreciate more interest in my own goals rather than in the projects you lead.",
    "More acknowledgement of what has gone well would make the critique easier to act on.",
    "It would help to follow through on the introductions we discussed.",
    "Meetings felt rushed; half an hour of full attention would be better than an hour of interruptions.",
)
# The shorter competency instrument has one open prompt.
GENERAL = (
    "Thank you for a very helpful year.",
    "Clear expectations from the first meeting made everything easier.",
    "Very good at helping me become more independent in my research.",
    "Would value more discussion of career options beyond the next promotion.",
    "Listens carefully and checks what I have understood.",
    "More structure in our meetings would help.",
    "Takes differences in background and circumstances seriously.",
    "Helpful, encouraging and honest.",
)
# prompt id -> (comments by who is answering, the critical ones or None)
COMMENTS: dict[str, tuple[dict[str, tuple[str, ...]], tuple[str, ...] | None]] = {
    "strengths": (STRENGTHS, None),
    "suggestions": (SUGGESTIONS, CRITICAL),
    "comments": ({"any": GENERAL}, CRITICAL),
}

# Reflections on a mentee-feedback report, by theme. The theme is the one of the report's
# lowest-rated item (THEME_OF); "comparison" is written from the figures.
THEME_OF = {
    "accessible": "availability",
    "approachable": "availability",
    "critique": "feedback",
    "answers": "feedback",
    "professional_guidance": "career",
    "resources": "career",
    "challenges": "stretch",
    "motivates": "stretch",
    "acknowledges": "recognition",
    "supportive": "recognition",
}
REPORT_THEMES = {
    "availability": {
        "area": "Being available to my mentees between scheduled meetings.",
        "question": (
            "Can my mentees reach me when something comes up between our meetings, including the weeks I am on "
            "service, and how can I make that easier without over-committing?"
        ),
        "standards": (
            "The department expects formal mentees to meet their mentor three to four times a year in their first "
            "five years, and the mentor effectiveness scale treats accessibility as a core behaviour. Our mentoring "
            "agreement template asks mentor and mentee to agree how to reach each other."
        ),
        "discussion": (
            "I talked this through with a colleague who mentors several new faculty. We agreed the problem is less "
            "the number of meetings than the gaps while I am on the wards. They keep two short bookable slots a "
            "month for mentees, which I will try."
        ),
        "next_steps": (
            "Open two bookable 20-minute slots a month; tell each mentee how to reach me when I am on service; "
            "check at the next academic-plan review whether the slots are being used."
        ),
    },
    "feedback": {
        "area": "Giving specific, timely feedback on my mentees' written work.",
        "question": (
            "When a mentee sends me a draft grant or manuscript, are my comments quick enough and specific enough "
            "to act on?"
        ),
        "standards": (
            "The scale's items on constructive critique and clear answers; our mentoring agreement's expectation "
            "that drafts come back within two weeks; the faculty development module on giving feedback."
        ),
        "discussion": (
            "Discussed with a peer from the mentor training workshop. Their suggestion: before reading a draft, "
            "agree with the mentee what kind of feedback they want (big picture or line edits) and by when."
        ),
        "next_steps": (
            "Ask what kind of feedback is wanted before I read a draft; return comments within ten working days; "
            "end each set of comments with the two changes that matter most."
        ),
    },
    "career": {
        "area": "Guiding mentees through promotion, committees and professional networks.",
        "question": (
            "Am I helping my mentees understand the promotion process, and connecting them with the people and "
            "opportunities that matter for their position?"
        ),
        "standards": (
            "The department's promotion criteria for each position description, the CFAR at the end of the "
            "three-year probation, and the scale's items on professional guidance and on resources and opportunities."
        ),
        "discussion": (
            "Met the division's promotions lead to check that my advice on the CFAR dossier is current. Several "
            "things have changed since my own promotion, including how teaching impact is documented."
        ),
        "next_steps": (
            "Re-read the promotion guidelines each year; make at least two introductions for each mentee this year; "
            "bring the CFAR checklist to every 1.5-year check-in."
        ),
    },
    "stretch": {
        "area": "Challenging my mentees to aim higher while keeping their plans realistic.",
        "question": (
            "Do I encourage stretch goals, such as a first operating grant or a leadership role, or do I default to "
            "keeping my mentees safe?"
        ),
        "standards": (
            "The scale's items on motivating and challenging; each mentee's five-year academic plan, which sets "
            "the goals we review together."
        ),
        "discussion": (
            "A colleague reminded me that support and challenge are not in conflict: the mentees who felt most "
            "supported in their own mentoring were also the ones who were stretched. We talked about naming one "
            "stretch goal at each academic-plan review."
        ),
        "next_steps": (
            "At each academic-plan review, agree one stretch goal and the support I will give for it; ask about "
            "progress at the following meeting."
        ),
    },
    "recognition": {
        "area": "Acknowledging my mentees' contributions and achievements.",
        "question": "Do my mentees know when I see their progress, and do I credit their work in shared projects?",
        "standards": (
            "The scale's items on acknowledgement and support; authorship guidance for shared projects (ICMJE); "
            "the department's awards calendar."
        ),
        "discussion": (
            "Discussed with a senior colleague who sits on an awards committee. They suggested nominating mentees "
            "for the department's awards and making acknowledgement explicit, in meetings and in letters."
        ),
        "next_steps": (
            "Start each meeting with the progress made since the last one; check the awards calendar twice a year "
            "and nominate where it fits; agree authorship at the start of every shared project."
        ),
    },
    "general": {
        "area": "Keeping my mentoring consistent for mentees at different stages.",
        "question": (
            "My ratings were high overall; do the comments suggest anything I should do differently for mentees "
            "early in their first five years compared with those approaching promotion?"
        ),
        "standards": "The department's mentoring expectations and the mentor effectiveness scale as a whole.",
        "discussion": (
            "Talked with a fellow mentor in the division. We compared how we structure first-year meetings and "
            "agreed that early mentees need more practical orientation and later ones more strategy."
        ),
        "next_steps": (
            "Use a short first-year checklist with new mentees; for mentees past the CFAR, shift meetings towards "
            "promotion planning and leadership."
        ),
    },
}

# Reflections on other feedback a mentor received: (source name template, steps). The
# template may use {year} (a year) and {span} (an academic year, "2024–25").
EXTERNAL = (
    (
        "Residents' teaching evaluations, {span} academic year",
        {
            "area": "Bedside teaching on a busy inpatient service.",
            "question": "How can I keep teaching at the bedside when the service is at its busiest?",
            "standards": (
                "The residency program's clinical teaching evaluation form and its expectation of daily teaching "
                "on the clinical teaching unit."
            ),
            "comparison": (
                "My scores were above the program mean for enthusiasm and approachability but below it for "
                "protected teaching time; two residents wrote that teaching stopped when the list was long."
            ),
            "discussion": (
                "Discussed with the program's faculty development lead, who suggested short, planned "
                "teaching moments tied to cases on the list rather than a separate session."
            ),
            "next_steps": (
                "Plan one five-minute teaching point per patient presentation on busy days; ask residents mid-block "
                "whether it is working."
            ),
        },
    ),
    (
        "Multi-source (360°) feedback, leadership development program, {year}",
        {
            "area": "Delegating and giving colleagues room to lead.",
            "question": "Do I take back work I have delegated, and does that discourage colleagues from leading?",
            "standards": "The program's leadership capabilities framework and its 360° survey.",
            "comparison": (
                "Colleagues rated me highly for reliability and expertise; the lowest ratings, from peers and from "
                "those I supervise, were on delegation and on making room for others' ideas."
            ),
            "discussion": (
                "Went through the report with my program coach and a trusted colleague; both recognised the "
                "pattern and suggested agreeing in advance when I will and will not step in."
            ),
            "next_steps": (
                "For the next two projects I hand over, agree the decisions that are the other person's to make; "
                "ask for feedback at three months."
            ),
        },
    ),
    (
        "Learner evaluations of a Medical Grand Rounds presentation, {year}",
        {
            "area": "Making a large-group talk interactive.",
            "question": "How can I engage a large audience rather than presenting at it?",
            "standards": "The continuing education office's evaluation form and its learning objectives for rounds.",
            "comparison": (
                "Content and relevance were rated well; interactivity was the lowest item, and several comments "
                "asked for more cases and fewer slides."
            ),
            "discussion": (
                "Talked with a colleague known for interactive rounds, who suggested building the talk around "
                "three cases with audience polls."
            ),
            "next_steps": "Rebuild the talk around cases with two polling questions; review the evaluations next time.",
        },
    ),
    (
        "Peer observation of teaching, {year}",
        {
            "area": "Setting clear objectives at the start of small-group teaching.",
            "question": "Do learners in my small groups know what they should be able to do by the end?",
            "standards": "The department's peer observation of teaching guide and its checklist.",
            "comparison": (
                "The observer found the session well organised and the atmosphere safe, but noted that objectives "
                "were not stated and the summary at the end was rushed."
            ),
            "discussion": (
                "Debriefed with the observer the same week and with a co-tutor, who shares objectives on the first "
                "slide and returns to them at the end."
            ),
            "next_steps": (
                "State two or three objectives at the start of every session and keep five minutes for a summary; "
                "ask for a second observation next year."
            ),
        },
    ),
)

REFLECTION_MINUTES = (20, 30, 30, 45, 45, 45, 60, 60, 75, 90)
