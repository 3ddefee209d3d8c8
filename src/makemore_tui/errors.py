"""The error a setting that cannot be used raises (config.py re-exports it).

It lives apart from config.py so that the model types (models/), which config.py reads to check a
setting, can raise it without importing config.py.
"""


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the setting and says why."""
