"""Reading sheets that people fill in: the events import."""
