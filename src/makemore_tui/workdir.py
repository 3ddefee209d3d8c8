"""A run's hold on its work directory, and how its files are written there.

One run at a time: a run holds an exclusive lock (flock) on `run.lock` in its work directory for its
whole life, so a second run on a live directory, app or headless, is refused with the running
process's id instead of writing over the first one's files. The lock goes with the process: a run
killed by SIGKILL leaves no stale lock behind.

Nothing is written through a link: the files a run streams to (metrics.jsonl, run.lock) are opened
with O_NOFOLLOW after a planted link is removed, and the others are written to a temporary file that
is renamed over the old name (checkpoint.atomic_write_bytes), which replaces a link rather than
writing where it points. Every file is created owner-only (0600).
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

from .errors import ConfigError
from .printable import printable

LOCK = "run.lock"


class WorkDirBusy(ConfigError):
    """Another live run holds the work directory."""


def open_no_follow(path: str | os.PathLike, append: bool = False):
    """A text file opened for writing (truncated, or appended to) without following a link: a
    link planted at `path` is removed first, and O_NOFOLLOW refuses one planted in between."""
    path = Path(path)
    if path.is_symlink():
        path.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a file an older version left readable by others
        return os.fdopen(fd, "a" if append else "w", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


SMALL_FILE_BYTES = 16 << 20  # the largest settings or run file read (TOML, JSON); a word list has its own limit


def read_small(path: str | os.PathLike, limit: int = SMALL_FILE_BYTES) -> bytes:
    """The bytes of a small file a command reads (a space file, a run's JSON): a regular file of at
    most `limit` bytes, else ConfigError (a device such as /dev/zero, a FIFO, a huge file); OSError
    when it cannot be read. Never reads more than limit + 1 bytes."""
    st = os.stat(path)  # before opening: a FIFO with no writer would block the open
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{printable(path)} is not a regular file")
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ConfigError(f"{printable(path)} is larger than the {limit / 2**20:,.0f} MiB such a file may be")
    return data


def _holder(path: Path) -> str:
    try:
        text = path.read_text().strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


class WorkDirLock:
    """The exclusive hold of one run on its work directory; WorkDirBusy when another run has it."""

    def __init__(self, work_dir: str | os.PathLike):
        self.path = Path(work_dir) / LOCK
        if self.path.is_symlink():
            self.path.unlink()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            pid = _holder(self.path)
            who = f"process {pid}" if pid else "another process"
            raise WorkDirBusy(
                f"work directory {work_dir} is in use by a live run ({who}); watch it with --attach {work_dir}, "
                "stop it, or pass another -o"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fchmod(fd, 0o600)
        self.fd: int | None = fd

    @property
    def held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def clear_run_files(work_dir: str | os.PathLike, names: tuple[str, ...]) -> list[str]:
    """Remove an earlier run's files (these names only, links included; never anything else), so
    that a new run's files never sit beside an old one's. Returns the names removed."""
    removed = []
    for name in names:
        p = Path(work_dir) / name
        try:
            if p.is_symlink() or p.is_file() or p.is_socket():
                p.unlink()
                removed.append(name)
        except FileNotFoundError:
            pass
    return removed


def is_busy(work_dir: str | os.PathLike) -> bool:
    """Whether a live run holds the work directory, asked without writing anything there (the
    lock file is opened read-only and only if it exists)."""
    path = Path(work_dir) / LOCK
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing lets go of the shared lock taken just now
    return False
