"""The calendar: each person's award and mentoring deadlines as a page and as a private
iCalendar feed."""
