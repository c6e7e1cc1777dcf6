"""Awards, as sub-packages a reader finds by name: ``definitions`` (awards, rubrics,
eligibility), ``cycles`` (dates, phases, the decision), ``nominations``, ``committee``
(membership, recusal, scoring, ranking), ``announcement`` (grants, certificates, badges)
and ``calendar``. Below them: ``models`` (every award table), ``rules`` (eligibility and
conflicts of interest, pure), ``managers`` (who runs a cycle) and ``notices`` (the parts
of an award email). Above them: ``lifecycle`` (what entering each phase does) and
``pages``/``paging`` (what the award pages and API share).
"""
