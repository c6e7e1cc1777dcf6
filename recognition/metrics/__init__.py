"""Program metrics: what the department measures about its mentoring program, at the
study's three levels (relationship; division and department; academic medicine)."""
