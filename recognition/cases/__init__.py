"""CFAR and promotion cases: a candidate, a period, a committee, a due date."""
