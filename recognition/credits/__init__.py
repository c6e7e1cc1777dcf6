"""Credit frameworks (Royal College MOC, CFPC Mainpro+, AMA PRA, department points).

Frameworks are data (``frameworks/*.json`` in the package, overridable per department in
``<instance>/credits/``), loaded and checked by :mod:`.frameworks`; what an activity earns
and how a cycle stands is computed by the pure functions in :mod:`.rules`.
"""
