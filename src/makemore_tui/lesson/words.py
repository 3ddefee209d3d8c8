"""The lesson's words in its language: one table per language (text_en.py, text_it.py), keyed by the
same ids, and the way a step asks for a sentence: `t("net.layers", T=3, E=2)`."""

from __future__ import annotations

import os

from .text_en import TEXT as EN
from .text_it import TEXT as IT

TABLES = {"en": EN, "it": IT}
LANGS = tuple(TABLES)


def lang_from_env(env=None) -> str:
    """The language the locale asks for: LC_ALL, then LC_MESSAGES, then LANG (the first one set);
    `it` when it is Italian (it_IT.UTF-8, it_CH, it), else `en`."""
    env = os.environ if env is None else env
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "it" if value.split(".")[0].split("_")[0].lower() == "it" else "en"
    return "en"


class Words:
    """The sentences of one language: `t(id, **numbers)` fills a sentence's {fields}."""

    def __init__(self, lang: str):
        if lang not in TABLES:
            raise ValueError(f"language {lang!r}: choose one of {', '.join(LANGS)}")
        self.lang = lang
        self.table = TABLES[lang]

    def __call__(self, text_id: str, /, **values) -> str:
        return self.table[text_id].format(**values)
