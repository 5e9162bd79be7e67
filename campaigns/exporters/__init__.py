"""Files the portal hands out: Excel sheets and PDF summaries.

Each exporter makes its file from what it reads within the user's scope, and changes
nothing: the export jobs register as job runners (campaigns/services/jobs.py), and a file
of personal information is made only by the service that checks who asks and audits it
(the sign-in list: campaigns/services/signins.py). Every cell is written through
``xlsx.write_cell`` and every file named through ``filenames.download_filename``.
"""
