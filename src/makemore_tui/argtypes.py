"""The command line's argument parser and number types, shared by `makemore-tui` and its `sweep`.

A usage error raises UsageError (one line on stderr, exit status 2, no usage dump); the numbers
accept `1e5`, `3.0` and `200_000` for whole numbers, and refuse NaN and infinity.
"""

from __future__ import annotations

import argparse
import math


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
        if kind is int:  # exact for any size: 12345678901234567 stays itself (a float would round it)
            try:
                return int(text.replace("_", "").strip())
            except ValueError:
                pass  # "1e5" and "3.0" are whole numbers too
        try:
            value = float(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if kind is int:
            if value != int(value):
                raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
            return int(value)
        return value

    parse.__name__ = kind.__name__
    return parse


INT, FLOAT = _number(int), _number(float)
