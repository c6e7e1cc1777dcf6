"""Mentorships: who mentors whom, of what kind, from when to when, and their history."""
