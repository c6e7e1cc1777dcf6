"""The awards themselves: their settings, rubrics, eligibility rules and schedules, and
the pages and API that create and change them."""
