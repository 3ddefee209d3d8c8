"""Saving and loading a run's state in its work directory.

`model.pt` holds the config, the vocabulary, the weights, the optimiser state, the step and the
random generators' states: all a run needs to continue bit for bit. It is written atomically (a
temporary file, flushed and synced, then renamed over the old one), so a process killed at any
moment leaves the last good checkpoint in place. It is read with `torch.load(weights_only=True)`,
which rebuilds tensors and plain containers only and never runs code from the file. `best.pt`,
written the same way beside it, holds the weights of the run's best dev loss (keep_best). A
checkpoint also records the data its run trains on (`data`: the input file's path and size, the item
count and a SHA-256 of the token stream), so that `--resume` on other data is refused (run.py).

Each checkpoint carries a SHA-256 of its training state's tensors (names, dtypes, shapes and bytes),
checked on every load: the zip format torch writes has no check of its own that torch.load applies,
so a flipped byte inside a weight would otherwise load silently. A checkpoint written before the
checksum existed loads without one.
"""

from __future__ import annotations

import errno
import hashlib
import os
import pickle
import re
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import torch

from .config import Config, ConfigError
from .data import Vocab
from .models import model_type

CHECKPOINT = "model.pt"
BEST = "best.pt"  # the weights of the best dev loss (keep_best): its state holds step, model and val_loss
FORMAT = "makemore-tui/1"
# A training state holds the weights, AdamW's two moments, a few buffers and the generators' states:
# its arrays may take at most this many bytes a parameter of its settings' model (float32: 12), plus
# STATE_SLACK_BYTES. Larger arrays are refused before they are read into memory.
STATE_BYTES_PER_PARAM = 32
STATE_SLACK_BYTES = 16 << 20


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message says which file and why."""


def checkpoint_path(work_dir: str | os.PathLike) -> Path:
    return Path(work_dir) / CHECKPOINT


def best_path(work_dir: str | os.PathLike) -> Path:
    return Path(work_dir) / BEST


def atomic_write_bytes(path: Path, write) -> None:
    """Call write(fileobj) on a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


STALE_TEMP_S = 600.0  # a temporary file this old is no save in progress


def remove_stale_temps(work_dir: str | os.PathLike, older_than_s: float = STALE_TEMP_S) -> int:
    """Delete the temporary files of atomic_write_bytes that a process killed while saving left
    behind (model.pt.XXXX.tmp and the like), if older than `older_than_s`; returns how many."""
    n, now = 0, time.time()
    for tmp in Path(work_dir).glob("*.tmp"):
        name = tmp.name
        if not name.startswith(_TEMP_OWNERS) or tmp.is_symlink() or not tmp.is_file():
            continue
        try:
            if now - tmp.stat().st_mtime >= older_than_s:
                tmp.unlink()
                n += 1
        except OSError:
            pass
    return n


_TEMP_OWNERS = tuple(f"{n}." for n in (CHECKPOINT, BEST, "metrics.jsonl", "summary.json", "config.json", "status.json",
                                            "lr_find.json"))


def tensor_checksum(obj) -> str:
    """SHA-256 over every tensor inside `obj` (nested dicts, lists and tuples, in a fixed order):
    each tensor's place in the structure, dtype, shape and bytes."""
    h = hashlib.sha256()

    def walk(x, where: str) -> None:
        if isinstance(x, torch.Tensor):
            t = x.detach().cpu().contiguous()
            h.update(f"{where}|{t.dtype}|{tuple(t.shape)}|".encode())
            if t.numel():
                h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
        elif isinstance(x, dict):
            for k in sorted(x, key=repr):
                walk(x[k], f"{where}/{k!r}")
        elif isinstance(x, (list, tuple)):
            for i, v in enumerate(x):
                walk(v, f"{where}/{i}")

    walk(obj, "")
    return h.hexdigest()


def save(work_dir: str | os.PathLike, cfg: Config, vocab: Vocab, state: dict, name: str = CHECKPOINT,
         data: dict | None = None) -> Path:
    """Write the checkpoint (or best.pt: name=BEST); raises OSError (for instance a full disk) with
    the old file intact. `data`: what the run trains on (Dataset.record), which --resume checks."""
    path = Path(work_dir) / name
    payload = {"format": FORMAT, "config": cfg.to_dict(), "vocab": list(vocab.itos), "state": state,
               "checksum": tensor_checksum(state)}
    if data:
        payload["data"] = dict(data)
    atomic_write_bytes(path, lambda f: torch.save(payload, f))
    return path


def describe_os_error(e: BaseException, where: str | os.PathLike | None = None) -> str:
    """A failed write in words. torch's zip writer raises RuntimeError ("file write failed"), not
    OSError, when the disk is full; `where` (the directory written to) lets that be told apart."""
    if isinstance(e, OSError):
        if e.errno == errno.ENOSPC:
            return "no space left on the device"
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return "the work directory is not writable"
        return e.strerror or str(e)
    if where is not None:
        try:
            st = os.statvfs(where)
            if st.f_bavail * st.f_frsize < 1 << 20:
                return "no space left on the device"
        except OSError:
            pass
    text = str(e).strip().splitlines()
    return f"the write failed ({text[0][:120] if text else type(e).__name__})"


def load(path: str | os.PathLike) -> dict:
    """Read and check a checkpoint file (or a work directory holding one)."""
    p = Path(path)
    if p.is_dir():
        p = checkpoint_path(p)
    if not p.exists():
        raise CheckpointError(f"no checkpoint at {p}")
    if not p.is_dir() and not p.is_file():  # a device (/dev/zero), a FIFO: never read
        raise CheckpointError(f"{p} is not a regular file, so not a checkpoint")
    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols on stderr; the error says enough
            warnings.simplefilter("ignore")
            # torch.save's zip files are memory-mapped: no array is read until it is used, so arrays
            # larger than the settings imply are refused below before they take any memory
            payload = _torch_load(p)
    except pickle.UnpicklingError as e:
        text = str(e)
        m = re.search(r"GLOBAL ([\w.]+)", text) or re.search(r"global[^\n]*?([\w]+\.[\w.]+)", text, re.I)
        if m:
            raise CheckpointError(
                f"{p} was refused: it asks to import {m.group(1)}, and a checkpoint may hold only tensors and "
                "plain data (nothing from it was run)"
            ) from None
        m = re.search(r"WeightsUnpickler error:\s*(.+)", text)
        detail = m.group(1).strip() if m else (text.strip().splitlines() or ["unreadable"])[0]
        raise CheckpointError(
            f"{p} was refused: it is corrupt, or holds something other than tensors and plain data "
            f"({detail[:120]}); nothing from it was run"
        ) from None
    except IsADirectoryError:
        raise CheckpointError(f"{p} is a directory, not a checkpoint") from None
    except PermissionError:
        raise CheckpointError(f"{p} cannot be read (permission denied)") from None
    except MemoryError:
        raise CheckpointError(f"{p} is too large to load into memory") from None
    except Exception as e:  # a damaged file can fail inside torch in many ways; none of them runs code
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CheckpointError(f"{p} is corrupt or truncated ({type(e).__name__}: {msg[:160]})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{p} is not a makemore-tui checkpoint (format {FORMAT})")
    for key, kind in (("config", dict), ("vocab", list), ("state", dict)):
        if not isinstance(payload.get(key), kind):
            raise CheckpointError(f"{p} is missing its {key}")
    try:
        payload["config"] = Config.from_dict(payload["config"]).validate()
    except (ConfigError, TypeError) as e:
        raise CheckpointError(f"{p} has settings that cannot be used: {e}") from None
    vocab = payload["vocab"]
    if not vocab or not all(isinstance(s, str) and 1 <= len(s) <= 256 for s in vocab) or len(set(vocab)) < len(vocab):
        raise CheckpointError(f"{p} has a malformed vocabulary")
    payload["vocab"] = Vocab(tuple(vocab))
    if not isinstance(payload.get("data"), dict):  # a checkpoint from before runs recorded their data
        payload["data"] = None
    state = payload["state"]
    if not isinstance(state.get("model"), dict) or "step" not in state:
        raise CheckpointError(f"{p} is missing the model weights or the step")
    _check_sizes(p, payload)
    stored = payload.pop("checksum", None)
    if stored is not None and stored != tensor_checksum(state):
        raise CheckpointError(f"{p} is corrupt: its tensors do not match their checksum (damaged on disk?)")
    return payload


def _torch_load(p: Path):
    """torch.load of a path, whatever bytes its name holds: torch passes names to C++ as UTF-8, so a
    name that is not UTF-8 (a directory named in another encoding) is read through its open file."""
    mmap = zipfile.is_zipfile(p)
    try:
        str(p).encode("utf-8")
    except UnicodeEncodeError:
        with open(p, "rb") as f:
            by_fd = f"/proc/self/fd/{f.fileno()}"  # the same file under a name torch can pass on (Linux)
            if mmap and os.path.exists(by_fd):
                return torch.load(by_fd, map_location="cpu", weights_only=True, mmap=True)
            return torch.load(f, map_location="cpu", weights_only=True)
    return torch.load(p, map_location="cpu", weights_only=True, mmap=mmap)


def _tensor_bytes(obj) -> int:
    if isinstance(obj, torch.Tensor):
        return obj.numel() * obj.element_size()
    if isinstance(obj, dict):
        return sum(_tensor_bytes(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_tensor_bytes(v) for v in obj)
    return 0


def _check_sizes(p: Path, payload: dict) -> None:
    """CheckpointError when the state's arrays are larger than its settings' model can need."""
    cfg, V = payload["config"], len(payload["vocab"])
    params = model_type(cfg.type).estimate_params(cfg, V)
    have, limit = _tensor_bytes(payload["state"]), STATE_BYTES_PER_PARAM * params + STATE_SLACK_BYTES
    if have > limit:
        raise CheckpointError(
            f"{p} was refused: its arrays take {have / 2**20:,.1f} MiB, more than its settings' model "
            f"({params:,} parameters) can need ({limit / 2**20:,.1f} MiB)"
        )


def check_compatible(payload: dict, model: torch.nn.Module, vocab: Vocab | None = None, where: str = "") -> None:
    """Raise CheckpointError when the stored weights do not fit `model` (or `vocab`)."""
    where = where or "the checkpoint"
    if vocab is not None and tuple(payload["vocab"].itos) != tuple(vocab.itos):
        a, b = "".join(payload["vocab"].itos), "".join(vocab.itos)
        raise CheckpointError(
            f"{where} was made with another vocabulary ({len(a)} symbols {a[:40]!r}) than this data "
            f"({len(b)} symbols {b[:40]!r})"
        )
    want = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    have = payload["state"]["model"]
    for k, shape in want.items():
        if k not in have or not isinstance(have[k], torch.Tensor):
            raise CheckpointError(f"{where} has no tensor for {k}")
        if tuple(have[k].shape) != shape:
            raise CheckpointError(
                f"{where} has {k} of shape {tuple(have[k].shape)}, but the model needs {shape} (other sizes)"
            )
    extra = set(have) - set(want)
    if extra:
        raise CheckpointError(f"{where} has tensors this model does not: {', '.join(sorted(extra))[:80]}")
