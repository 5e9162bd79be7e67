"""Data the portal is filled with on purpose, not by anyone's work in it.

``seeds.py`` loads the seed data in ``seeds/`` (regions, org units, the 2025 campaign,
handouts, demo users; ``manage.py load_seeds``); ``scale.py`` builds the large, deterministic
data set the coverage benchmark measures (``manage.py seed_scale``). Both write rows
directly and in bulk, without the services' audit entries: nobody acted, so there is nothing
to audit. Nothing outside the management commands, the benchmarks and the tests calls them.
"""
