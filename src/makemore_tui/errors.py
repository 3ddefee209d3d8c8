"""The error a setting that cannot be used raises (config.py re-exports it).

It lives apart from config.py so that the model types (models/), which config.py reads to check a
setting, can raise it without importing config.py.
"""


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the setting and says why."""


# ---- resources that ran out ----------------------------------------------------------------------

EXIT_RESOURCE = 4  # out of memory, or of file descriptors: one line with a hint (README: exit statuses)


def resource_message(e: BaseException) -> str | None:
    """The one line for a resource that ran out (memory: MemoryError, torch's allocators; file
    descriptors: EMFILE, ENFILE), with what to do; None for any other error."""
    import errno
    import re

    text = str(e)
    if isinstance(e, MemoryError) or (isinstance(e, RuntimeError) and (
            "can't allocate memory" in text or "out of memory" in text.lower())):
        m = re.search(r"allocate (\d+) bytes", text)
        size = f" ({int(m.group(1)) / 2**30:,.2f} GiB at once)" if m else ""
        return (f"out of memory{size}: these settings need more memory than this process may use; make the "
                "batch (-b) or the model (--n-embd, --n-hidden, --block-size, --n-layer) smaller")
    if isinstance(e, OSError) and e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOMEM):
        if e.errno == errno.ENOMEM:
            return "out of memory: the system could not give this process more; try smaller settings (-b)"
        return (f"no file descriptors left ({e.strerror or 'too many open files'}): raise the limit (ulimit -n)"
                " or run fewer things at once (--workers)")
    return None
