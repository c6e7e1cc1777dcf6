"""Mentors' reflections on feedback they received: private text behind a ledger entry."""
