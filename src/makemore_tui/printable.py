"""Text from files, made safe to reach a terminal: the one function every string read from a run's
or a sweep's files (samples and symbols of old runs, a study's name, its parameters, a path) goes
through before it is printed.

A terminal obeys what it is sent: an escape sequence in a sample (ESC ] 0 ; title BEL, ESC [ 2 J, the
C1 CSI U+009B) would retitle or clear it, and a bidirectional override (U+202E) would turn the rest
of the line around. `printable` makes each of these visible as an escape (\\x1b, \\u202e) and leaves
every other character, tab included, as it is. A byte of a file name that is not UTF-8 (Python keeps
it as a lone surrogate) is shown as \\xNN. Rich markup is not this module's business: show the result
with rich Text (or markup=False), never as markup.
"""

from __future__ import annotations

import re

# C0 controls but tab, DEL, C1 controls; the bidirectional marks, embeddings, overrides and isolates;
# the Unicode line and paragraph separators; lone surrogates (the bytes of names that are not UTF-8)
UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                    "\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    o = ord(m.group())
    if 0xDC80 <= o <= 0xDCFF:  # os.fsdecode's stand-in for a byte that is not UTF-8
        return f"\\x{o - 0xDC00:02x}"
    return f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}"


def printable(text: object) -> str:
    """`text` (anything; str() of it) with every control character but tab, every bidirectional
    control and every lone surrogate shown as a visible escape."""
    s = text if isinstance(text, str) else str(text)
    return UNSAFE.sub(_escape, s) if UNSAFE.search(s) else s
