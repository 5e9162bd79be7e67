"""Printing handouts: each paper size's geometry (``layouts.py``), the print fonts
(``fonts.py``), the WeasyPrint pipeline that renders an edition (``pipeline.py``) and the
job that renders a print run's PDF once (``jobs.py``)."""
