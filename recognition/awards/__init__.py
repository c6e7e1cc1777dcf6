"""Awards: eligibility, conflicts of interest, and fair committee ranking."""
