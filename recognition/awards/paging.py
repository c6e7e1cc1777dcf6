"""Pages of lists the award services already filtered by who may see what, in the shape
``keyset.paginate`` gives a query (without its cursors); shared by the awards, cycles and nominations API."""

from __future__ import annotations

from flask import current_app


def page_of(items: list, args: dict) -> dict:
    """A page of a list a service already filtered (by who may see what), in the shape
    ``keyset.paginate`` gives a query (without its cursors)."""
    per_page = args.get("per_page") or current_app.config["API_PAGE_SIZE"]
    start = (args["page"] - 1) * per_page
    total = len(items)
    pages = max(1, -(-total // per_page))
    return {
        "items": items[start : start + per_page],
        "meta": {"page": args["page"], "per_page": per_page, "total": total, "pages": pages},
    }
