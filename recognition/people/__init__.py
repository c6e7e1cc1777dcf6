"""Divisions and people: the roster, directors, and each person's own profile."""
