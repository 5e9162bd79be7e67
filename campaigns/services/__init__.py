"""The domain's actions: every change to the portal's data goes through a function here.

One module per concept group (events, partners, materials, sign-ins, members, …). Each
action is named ``<entity>_<action>`` (``event_submit``), takes the acting user, runs in a
transaction, looks its object up within the user's scope (``portal.access``), checks the
version the user saw and the domain's rules, saves, and writes its audit entry
(``audit.py``). The errors an action raises are defined once, in ``errors.py``. Beside them,
the machinery they share: ``bulk.py`` (many rows inserted at once), ``jobs.py`` (background
jobs run once, with progress).

What is not an action lives elsewhere: reads in campaigns/selectors/, reading uploaded
sheets in campaigns/imports/, making files in campaigns/exporters/ and campaigns/printing/,
seed and benchmark data in campaigns/seeding/.
"""
