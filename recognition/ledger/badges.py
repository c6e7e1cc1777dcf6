"""What an entry of work between two people says about its confirmation, as markup: the
pages draw a badge for each entry they list."""

from __future__ import annotations

from markupsafe import Markup, escape

from .rules import UNCONFIRMED_AFTER_DAYS

# By the entry's ``confirmation_state`` (``service.annotate`` sets it). Functions rather than
# a macro: the pages draw one for each entry they list, and calling a macro costs ten times
# as much.
BADGES = {
    "confirmed": Markup('<span class="badge badge-confirmed">confirmed</span>'),
    "reversed": Markup('<span class="badge badge-reversed">reversed</span>'),
    "unconfirmed": Markup(
        '<span class="badge badge-unconfirmed">unconfirmed</span> '
        f'<span class="muted">nobody confirmed it within {UNCONFIRMED_AFTER_DAYS} days</span>'
    ),
    "awaiting": Markup('<span class="badge badge-waiting">awaiting confirmation</span>'),
}


def confirmation_badge(entry) -> Markup:
    """The entry's badge (a disputed one with the dispute's reason), or nothing."""
    state = entry.confirmation_state
    if state == "disputed":
        return Markup(
            '<span class="badge badge-disputed">disputed</span> '
            f'<span class="dispute-reason">disputed: {escape(entry.disputed_by.reason)}</span>'
        )
    return BADGES.get(state, Markup())
