"""Anonymous mentee feedback on mentors: requests, answers, release in blocks of k, reports."""
