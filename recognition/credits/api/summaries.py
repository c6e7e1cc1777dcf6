"""/api/v1/credits: frameworks, a person's credit summary and profile, the MAINPORT export.

A person's credits are theirs and the admins' (anyone else gets a 404). The export's
learning outcomes are reflections' own words, private to their author: an admin's
export of someone else's has that column empty.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask import Response

from ...apidoc import errors_for
from ...auth.current import api_actor
from ...auth.service import whose
from ...clock import today, utcnow
from ...errors import NotFound
from ...extensions import db
from ...parsing import Blueprint
from ...people.models import Person
from .. import activities, export, profiles, rules
from ..frameworks import Framework
from ..schemas import (
    CreditSummarySchema,
    ExportArgsSchema,
    ExportSchema,
    FrameworkSchema,
    ProfileArgsSchema,
    ProfileInSchema,
    ProfileSchema,
    SummaryArgsSchema,
)

URL = "/credits"
blp = Blueprint("credits_api", __name__, description="Credit frameworks, summaries and the MAINPORT export")
EXPORTED = (
    "format=csv (the default): a UTF-8 CSV download with a header row, for Excel; format=json: the same rows as JSON"
)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _month_day(pair: tuple[int, int] | None) -> str | None:
    return f"{pair[0]:02d}-{pair[1]:02d}" if pair else None


def framework_view(found: Framework) -> dict:
    return {
        "id": found.id,
        "name": found.name,
        "unit": found.unit,
        "source": found.source,
        "unconfirmed": list(found.unconfirmed),
        "versions": [
            {
                "effective_from": version.effective_from,
                "year_starts": _month_day(version.year_starts),
                "sections": [{"id": key, "label": label} for key, label in version.sections.items()],
                "rules": [
                    {
                        "id": rule.id,
                        "kinds": list(rule.kinds),
                        "section": rule.section,
                        "rate_per_hour": _number(rule.rate_per_hour) if rule.rate_per_hour is not None else None,
                        "per_activity": _number(rule.per_activity) if rule.per_activity is not None else None,
                        "when": dict(rule.when),
                        "requires": list(rule.requires),
                        "rounding": {"step": _number(rule.rounding.step), "mode": rule.rounding.mode},
                        "caps": {scope: _number(cap) for scope, cap in rule.caps.items()},
                        "feedback_received": rule.feedback_received,
                    }
                    for rule in version.rules
                ],
                "section_caps": {
                    section: {scope: _number(cap) for scope, cap in caps.items()}
                    for section, caps in version.section_caps.items()
                },
                "cycle": None
                if version.cycle is None
                else {
                    "years": version.cycle.years,
                    "total_min": _number(version.cycle.total_min),
                    "yearly_min": _number(version.cycle.yearly_min),
                    "minimums": [
                        {"label": m.label, "sections": list(m.sections), "credits": _number(m.credits)}
                        for m in version.cycle.minimums
                    ],
                    "feedback_received_min": version.cycle.feedback_received_min,
                    "report_by": _month_day(version.cycle.report_by),
                },
            }
            for version in found.versions
        ],
    }


def profile_view(person_id: int, profile: profiles.Profile) -> dict:
    found = profiles.frameworks().get(profile.framework_id)
    return {
        "person_id": person_id,
        "framework_id": profile.framework_id,
        "framework_name": found.name if found else profile.framework_id,
        "cycle_start": profile.cycle_start,
        "chosen": profile.chosen,
    }


def summary_view(summary: activities.Summary) -> dict:
    chosen = summary.framework

    def section_label(on, section):
        version = chosen.version_on(on)
        return version.sections.get(section, section) if version and section else None

    cycle = None
    if summary.progress is not None:
        progress = summary.progress
        version = chosen.version_on(progress.start)
        assert version is not None and version.cycle is not None  # progress is counted only under cycles
        cycle = {
            "start": progress.start,
            "end": progress.end,
            "rules_from": progress.version,
            "total": _money(progress.totals.total),
            "total_required": _money(version.cycle.total_min),
            "sections": [
                {"id": key, "label": label, "credits": _money(progress.totals.by_section.get(key, rules.ZERO))}
                for key, label in version.sections.items()
            ],
            "feedback_received": progress.feedback_received,
            "met": progress.met,
            "warnings": list(progress.warnings),
        }
    return {
        "person_id": summary.person_id,
        "framework": {"id": chosen.id, "name": chosen.name, "unit": chosen.unit},
        "profile": profile_view(summary.person_id, summary.profile),
        "total": _money(sum((c.credit.credits for c in summary.credited), rules.ZERO)),
        "years": [
            {
                "year": y["year"],
                "label": y["label"],
                "total": _money(y["total"]),
                "sections": [{"label": label, "credits": _money(credits)} for label, credits in y["sections"]],
            }
            for y in summary.years
        ],
        "cycle": cycle,
        "cycle_note": summary.cycle_note,
        "activities": [
            {
                "entry_id": c.source.entry_id,
                "date": c.source.on,
                "year": c.credit.year,
                "kind": c.source.kind,
                "title": c.source.title,
                "minutes": c.source.minutes,
                "section": c.credit.section,
                "section_label": section_label(c.source.on, c.credit.section),
                "earned": _money(c.credit.earned),
                "credits": _money(c.credit.credits),
                "reason": c.credit.reason,
            }
            for c in sorted(summary.credited, key=lambda c: (c.source.on, c.source.entry_id))
        ],
    }


@blp.get("/frameworks")
@blp.response(200, FrameworkSchema(many=True))
@errors_for(401)
def list_frameworks():
    """The credit frameworks: versions by effective date, sections, rules and cycle rules"""
    return [framework_view(found) for _, found in sorted(profiles.frameworks().items())]


@blp.get("/summary")
@blp.arguments(SummaryArgsSchema, location="query")
@blp.response(200, CreditSummarySchema)
@errors_for(401, 404, 422)
def get_summary(args):
    """A person's credits by year and section, their cycle's progress with plain-language
    warnings, and what each activity earned and why (default: yours, under your framework)"""
    person_id = whose(api_actor(), args.get("person_id"))
    return summary_view(activities.summary(person_id, today(), args.get("framework")))


@blp.get("/profile")
@blp.arguments(ProfileArgsSchema, location="query")
@blp.response(200, ProfileSchema)
@errors_for(401, 404, 422)
def get_profile(args):
    """The framework a person reports to and when their cycle started (default: yours)"""
    person_id = whose(api_actor(), args.get("person_id"))
    return profile_view(person_id, profiles.profile_of(person_id))


@blp.put("/profile")
@blp.arguments(ProfileInSchema, example={"framework_id": "royal_college_moc", "cycle_start": "2024-01-01"})
@blp.response(200, ProfileSchema)
@errors_for(401, 403, 404, 422)
def set_profile(body):
    """Choose your credit framework and cycle start (an admin may set anyone's)"""
    actor = api_actor()
    person_id = body["person_id"] or actor.person_id
    assert person_id is not None  # tokens are issued to people; only the command line acts as no one
    if actor.is_admin and db.session.get(Person, person_id) is None:
        raise NotFound("No such person.", {"person_id": ["no such person"]})
    profile = profiles.set_profile(person_id, body["framework_id"], body["cycle_start"], actor, utcnow())
    db.session.commit()
    return profile_view(person_id, profile)


@blp.get("/export")
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(200, ExportSchema, description=EXPORTED)
@blp.alt_response(200, schema={"type": "string"}, content_type="text/csv", success=True, description=EXPORTED)
@errors_for(401, 404, 422)
def export_credits(args):
    """MAINPORT-ready rows: each activity that earned credit in a year, with the fields a
    physician types in (section, activity type, title, date, hours, credits, learning
    outcome). The learning outcome is your reflection's own words, in your export only"""
    actor = api_actor()
    person_id = whose(actor, args.get("person_id"))
    chosen = profiles.framework(args.get("framework") or profiles.profile_of(person_id).framework_id)
    rows = export.mainport_rows(person_id, args["year"], chosen.id, include_private=person_id == actor.person_id)
    if args["format"] == "csv":
        filename = f"mainport-{re.sub(r'[^A-Za-z0-9_.-]', '-', chosen.id)}-{args['year']}.csv"
        return Response(
            export.to_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return {
        "person_id": person_id,
        "year": args["year"],
        "period": activities.period_of(chosen, args["year"])[2],
        "framework": {"id": chosen.id, "name": chosen.name, "unit": chosen.unit},
        "total": _money(sum((Decimal(row["credits"]) for row in rows), rules.ZERO)),
        "includes_reflections": person_id == actor.person_id,
        "columns": [{"key": key, "heading": heading} for key, heading in export.COLUMNS],
        "rows": rows,
    }
