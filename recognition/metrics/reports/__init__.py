"""The yearly program reports' pages (the reports themselves: ``metrics.report``)."""
