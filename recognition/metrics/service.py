"""Program metrics for the running app: the definitions in force and the smallest cell."""

from __future__ import annotations

from flask import current_app

from ..feedback.service import k
from .definitions import Metric, load


def min_cell() -> int:
    """The department's smallest shown cell: METRICS_MIN_CELL, never below the feedback k."""
    try:
        configured = int(current_app.config["METRICS_MIN_CELL"])
    except (TypeError, ValueError):
        configured = k()
    return max(configured, k())


def definitions() -> dict[str, Metric]:
    """Every enabled metric, the instance's files applied to the package's, loaded once per app."""
    found = current_app.extensions.get("recognition.metrics")
    if found is None:
        found = load(min_cell(), k(), current_app.instance_path)
        current_app.extensions["recognition.metrics"] = found
    return found
