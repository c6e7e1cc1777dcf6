"""/api/v1/metrics: the program's metrics by level, year and division, and what needs
attention. Administrators see every division; a division director their own with the
department's totals; everyone else gets 403."""

from ..apidoc import errors_for
from ..auth.current import api_actor
from ..clock import today
from ..parsing import Blueprint
from . import attention, service
from .schemas import (
    AttentionArgsSchema,
    AttentionListSchema,
    MetricArgsSchema,
    MetricDefinitionSchema,
    MetricResultListSchema,
    MetricTrendListSchema,
    TrendArgsSchema,
)

URL = "/metrics"
blp = Blueprint(
    "metrics_api",
    __name__,
    description="Program metrics at the study's three levels, with small cells withheld, and what needs attention",
)


@blp.get("/definitions")
@blp.response(200, MetricDefinitionSchema(many=True))
@errors_for(401, 403)
def definitions():
    """Every metric in force: level, component, definition, formula, unit, smallest cell"""
    service.visible_codes(api_actor())
    return list(service.definitions().values())


@blp.get("")
@blp.arguments(MetricArgsSchema, location="query")
@blp.response(200, MetricResultListSchema)
@errors_for(401, 403, 404, 422)
def values(args):
    """Every metric for a year: the department's row, then each division you may see (or
    the one asked for). Withheld cells are marked withheld, never given as zero"""
    codes, day = service.visible_codes(api_actor()), today()
    year = service.checked_year(args.get("year"), day)
    found = service.results(codes, year, day, service.checked_division(codes, args.get("division")))
    return service.listing(year, day, found)


@blp.get("/trends")
@blp.arguments(TrendArgsSchema, location="query")
@blp.response(200, MetricTrendListSchema)
@errors_for(401, 403, 422)
def trends(args):
    """The department's value of every metric (its first series) for each of the five
    years to ``year``. A year before the department's first ledger entry, or before the
    first record the metric counts from, is ``no_data`` with a null value, never zero;
    a withheld year is ``withheld``"""
    service.visible_codes(api_actor())
    day = today()
    return service.trend_listing(service.checked_year(args.get("year"), day), day)


@blp.get("/attention")
@blp.arguments(AttentionArgsSchema, location="query")
@blp.response(200, AttentionListSchema)
@errors_for(401, 403, 404, 422)
def needs_attention(args):
    """What needs attention today in the divisions you manage (or the one asked for):
    mentorships with no meeting this year, entries unconfirmed after 60 days, overdue
    check-ins, new faculty without a formal mentor"""
    actor, day = api_actor(), today()
    division = service.checked_division(service.visible_codes(actor), args.get("division"))
    return {"as_of": day, "lists": attention.needs_attention(actor, day, division.id if division else None)}
