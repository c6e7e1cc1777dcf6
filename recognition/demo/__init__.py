"""The demo department: people, mentorships, five years of ledger history, feedback,
reflections, milestones, statements, awards and cases, built from a seed (``builder.load``)."""
