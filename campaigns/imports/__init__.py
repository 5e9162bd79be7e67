"""Reading sheets that people fill in and upload.

``sheets.py`` is what every uploaded workbook goes through (the file's checks, how a cell
is read, how a problem is said); ``events_sheet.py`` is the events template and its
reading, ``measures_sheet.py`` the monthly measures returns', ``sign_ins_sheet.py`` the
paper sign-in list's; ``jobs.py`` runs the events and measures imports as background jobs.
Reading writes nothing: the services save what a clean sheet holds
(campaigns/services/imports.py, measure_imports.py, signins.py).
"""
