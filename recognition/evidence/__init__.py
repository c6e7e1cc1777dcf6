"""Mentoring evidence drawn from the ledger and the recorded milestones: what a nomination's
evidence table and a promotion dossier both count, so a number means the same thing in
each."""
