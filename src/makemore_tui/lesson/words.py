"""The lesson's words in its language: one table per language (text_en.py, text_it.py), keyed by the
same ids, and the way a step asks for a sentence: `t("net.layers", T=3, E=2)`."""

from __future__ import annotations

import os
import string

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


class _Italian(string.Formatter):
    """Numbers written the Italian way in the prose: 3.481 parametri, 2,82 (a value given as a string,
    such as a line of code, is left as it is)."""

    def format_field(self, value, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = text.translate(_SWAP)
        return text


_SWAP = str.maketrans({",": ".", ".": ","})


class Words:
    """The sentences of one language: `t(id, **numbers)` fills a sentence's {fields}."""

    def __init__(self, lang: str):
        if lang not in TABLES:
            raise ValueError(f"language {lang!r}: choose one of {', '.join(LANGS)}")
        self.lang = lang
        self.table = TABLES[lang]
        self._format = _Italian().format if lang == "it" else str.format

    def __call__(self, text_id: str, /, **values) -> str:
        return self._format(self.table[text_id], **values)

    def number(self, value, spec: str = ",") -> str:
        """A number as the language writes it (`spec` as in format()): 3,481 or 3.481."""
        return self._format("{0:" + spec + "}", value)
