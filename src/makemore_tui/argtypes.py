"""The command line's argument parser, number types and settings' flags (from the table, settings.py),
shared by `makemore-tui` and its `sweep`.

A usage error raises UsageError (one line on stderr, exit status 2, no usage dump); the numbers
accept `1e5`, `3.0` and `200_000` for whole numbers, and refuse NaN and infinity.
"""

from __future__ import annotations

import argparse

from .config import choices
from .settings import SETTINGS, Setting, parse_number


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise UsageError(message)

    def parse_args(self, args=None, namespace=None):
        ns = super().parse_args(args, namespace)
        # argparse gives `--flag=--` as an empty list, past the flag's type: refuse it here
        for action in self._actions:
            value = getattr(ns, action.dest, None)
            if (action.nargs is None and action.option_strings and isinstance(value, list)
                    and not isinstance(action.default, list)):  # an "append" flag's list is its own
                self.error(f"argument {'/'.join(action.option_strings)}: expected one value")
        return ns


def _number(kind: type):
    def parse(text: str):
        try:
            return parse_number(text, kind)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    parse.__name__ = kind.__name__
    return parse


INT, FLOAT = _number(int), _number(float)


def add_setting(group, s: Setting, help: str | None = None) -> None:
    """The flag of a setting of the table (settings.py), on a parser or its group: default None
    (the preset's value stands unless the flag is given), the value in `args.NAME`."""
    kw: dict = {"dest": s.name, "default": None, "metavar": s.metavar}
    if s.kind is bool:  # off by default: the flag turns it on; on by default: --no-FLAG turns it off
        kw.update(action=argparse.BooleanOptionalAction) if s.default else kw.update(action="store_const", const=True)
        kw.pop("metavar")
    elif s.kind is str:
        kw["choices"] = (choices(s) or None) if s.flag_choices else None
    else:
        kw.update(type=INT if s.kind is int else FLOAT)
    text = help or s.help.format(choices=", ".join(choices(s)) if s.kind is str else "", default=s.default)
    group.add_argument(*s.flags, help=text.replace("%", "%%") or None, **kw)


def add_settings(parser, group_of: dict, skip: tuple[str, ...] = ()) -> None:
    """Every setting's flag, in the table's order, on `group_of[s.group]`."""
    for s in SETTINGS:
        if s.flags and s.name not in skip:
            add_setting(group_of.get(s.group, parser), s)


def given_settings(args: argparse.Namespace) -> dict:
    """The Config fields the command line set (not left to the preset)."""
    return {s.name: getattr(args, s.name) for s in SETTINGS
            if s.flags and getattr(args, s.name, None) is not None}
