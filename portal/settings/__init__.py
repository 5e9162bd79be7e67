"""Settings are chosen by DJANGO_ENV: development (default), production or test.

Each module reads what differs between machines from the environment; see base.py.
"""

import os
from importlib import import_module

_ENVIRONMENTS = {"development", "production", "test"}
_env = os.environ.get("DJANGO_ENV", "development")
if _env not in _ENVIRONMENTS:
    raise RuntimeError(f"DJANGO_ENV must be one of {sorted(_ENVIRONMENTS)}, not {_env!r}")

_module = import_module(f"portal.settings.{_env}")
globals().update({name: value for name, value in vars(_module).items() if name.isupper()})
