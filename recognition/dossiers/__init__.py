"""The mentorship section of a CFAR or promotion dossier: built from the ledger and the
recorded milestones, exported as PDF, CSV and JSON, issued as a signed snapshot."""
