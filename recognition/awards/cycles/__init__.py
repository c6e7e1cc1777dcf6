"""Yearly award cycles: their dates and phases (``phases``: the questions every part of
awards asks; ``service``: creating cycles, moving dates, recording a transition), the
decision, and the cycle pages and API. What entering a phase does is not here but in
``awards.lifecycle``."""
