"""The credits API, one blueprint per resource: ``summaries`` (/api/v1/credits: frameworks,
summaries, profiles, the MAINPORT export) and ``statements`` (/api/v1/statements)."""
