"""Career milestones as recorded facts: appointment, CFAR, promotion, grant, external
award, leadership appointment. "Became a mentor" is derived from the mentorships."""
