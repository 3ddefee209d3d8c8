"""Checking a word list's lines, a piece of the file at a time, and gathering those that cannot be used.

The scanner turns a piece's bytes into items (stripped, NFC-normalised lines). The loader (data.py)
reads on past the first bad line, so its error says how many lines are affected
and shows the first few of each kind (line number and content, truncated), not only the first:
"words.txt: 3 lines cannot be used: 3 are over 1,000 characters ...: line 7 (1,500 characters)
'xxxx…', line 19 ..., line 40 ...". The kinds: NUL bytes (a binary file), bytes that are not UTF-8,
and items over MAX_LINE_CHARS characters. DataError, the loader's error, lives here too."""

from __future__ import annotations

import re
import unicodedata

from .printable import printable

MAX_LINE_CHARS = 1_000  # the longest item, in characters
LINE_BYTES = 1 << 20  # a line longer than this (in bytes) is not kept whole: it is reported, then skipped
_BOM = b"\xef\xbb\xbf"
# C0 controls, DEL and C1 controls, but tab and the line ends of Unix, Windows and old Mac files
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NOT_C0 = bytes(b for b in range(256) if not (b < 0x20 and b not in b"\t\n\r") and b != 0x7F)
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")  # U+0080..U+009F in UTF-8


def has_controls(raw: bytes) -> bool:
    """Whether UTF-8 bytes hold a character CONTROLS matches (fast: a byte table, then C1's two bytes)."""
    return bool(raw.translate(None, _NOT_C0)) or (b"\xc2" in raw and _C1_UTF8.search(raw) is not None)

class DataError(ValueError):
    """Input that cannot be trained on; the message says what is wrong and where."""


SHOWN = 3  # lines shown of each kind
SHOWN_CHARS = 30  # characters shown of each line

# kind -> what the lines are (after "N lines ..."), and what to do about them
KINDS = {
    "nul": ("contain NUL bytes", "it looks binary, not a text file of one item a line"),
    "utf8": ("are not UTF-8", "save the file as UTF-8"),
    "control": ("contain control characters", "a word list holds printable text: remove escape sequences "
                "and other control characters (a tab is allowed)"),
    "long": ("are too long", "items are names or words of at most {max:,} characters, one a line"),
}


def shown(text: str) -> str:
    """A line's content as a message shows it: quoted, at most SHOWN_CHARS characters."""
    return repr(text[:SHOWN_CHARS] + ("…" if len(text) > SHOWN_CHARS else ""))


class LineProblems:
    """Bad lines by kind: how many, the first `SHOWN` (line number, content), the first one's detail."""

    def __init__(self, source: str, max_chars: int):
        self.source, self.max_chars = source, max_chars
        self.count: dict[str, int] = {}
        self.first: dict[str, list[str]] = {}
        self.detail: dict[str, str] = {}
        self.stopped_at: int | None = None  # the line where reading stopped early (a binary file)

    def __bool__(self) -> bool:
        return bool(self.count)

    def add(self, kind: str, line: int, text: str, detail: str = "", note: str = "") -> None:
        """Line `line` (1-based) of kind `kind`; `detail` (the first of a kind) and `note` (each line's)
        go into the message."""
        n = self.count[kind] = self.count.get(kind, 0) + 1
        if n == 1 and detail:
            self.detail[kind] = detail
        if n <= SHOWN:
            self.first.setdefault(kind, []).append(f"line {line:,}{f' ({note})' if note else ''} {shown(text)}")

    def message(self) -> str:
        total = sum(self.count.values())
        parts = []
        for kind, n in self.count.items():
            what, fix = KINDS[kind]
            what = what if n > 1 else what.replace("are ", "is ").replace("contain ", "contains ")
            detail = f" ({self.detail[kind]})" if kind in self.detail else ""
            more = f", ... ({n - SHOWN:,} more)" if n > SHOWN else ""
            parts.append(f"{n:,} {what}{detail}: {', '.join(self.first[kind])}{more}; "
                         + fix.format(max=self.max_chars))
        stopped = f" (reading stopped after line {self.stopped_at:,})" if self.stopped_at is not None else ""
        return (f"{printable(self.source)}: {total:,} line{'s' if total != 1 else ''}{stopped} cannot be used: "
                + "; ".join(parts))

    def check(self) -> None:
        """Raise the DataError that names every kind of bad line, if any were found."""
        if self:
            raise DataError(self.message())


class _Scanner:
    """Checks a file's bytes and splits them into items, a piece at a time. It counts lines and bytes
    across pieces, so that a message names the place in the whole file. A bad line does not stop the
    reading: every bad line is gathered (data_problems) and the file's items are dropped."""

    def __init__(self, source: str):
        self.source = source
        self.lines = self.offset = 0  # before the current piece
        self.first = True
        self.problems = LineProblems(source, MAX_LINE_CHARS)

    def items(self, raw: bytes) -> list[str]:
        skip = 3 if self.first and raw.startswith(_BOM) else 0  # a byte-order mark, at the very start only
        words = None
        if raw.find(b"\x00") < 0:
            try:
                words = None if has_controls(raw) else _split_items(raw[skip:].decode("utf-8") if skip
                                                                     else raw.decode("utf-8"))
            except UnicodeDecodeError:
                pass
        if words is None or max(map(len, words), default=0) > MAX_LINE_CHARS:
            self._bad_lines(raw, skip)
        self.lines += raw.count(b"\n")
        self.offset += len(raw)
        self.first = False
        return [] if self.problems else words

    def _bad_lines(self, raw: bytes, skip: int) -> None:
        """The slow path, for a piece known to hold a bad line: each line checked on its own."""
        at = 0
        for i, line in enumerate(raw.split(b"\n")):
            start, at, n = at + (skip if i == 0 else 0), at + len(line) + 1, self.lines + i + 1
            line = line[skip:] if i == 0 else line
            if b"\x00" in line:
                self.problems.add("nul", n, line.decode("utf-8", "replace"), f"first at line {n:,}")
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as e:
                self.problems.add("utf8", n, line.decode("utf-8", "replace"), f"bad byte 0x{line[e.start]:02x} at "
                                  f"line {n:,}, byte offset {self.offset + start + e.start:,}")
                continue
            bad = CONTROLS.search(text)
            if bad:
                self.problems.add("control", n, text.rstrip("\r"), f"first U+{ord(bad.group()):04X} at line {n:,}")
                continue
            for w in _split_items(text):
                if len(w) > MAX_LINE_CHARS:
                    self.problems.add("long", n, w, f"at most {MAX_LINE_CHARS:,}", f"{len(w):,} characters")

    def overlong(self, head: bytes) -> None:
        """A line so long that it is not kept whole (over LINE_BYTES bytes): `head`, its start."""
        kind = "nul" if b"\x00" in head else "long"
        self.problems.add(kind, self.lines + 1, head[:200].decode("utf-8", "replace"),
                          f"first at line {self.lines + 1:,}" if kind == "nul" else "",
                          "" if kind == "nul" else f"over {LINE_BYTES:,} bytes")


def _split_items(text: str) -> list[str]:
    """Stripped, non-blank lines of (a piece of) a file, NFC-normalised."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return [w for w in (line.strip() for line in text.splitlines()) if w]
