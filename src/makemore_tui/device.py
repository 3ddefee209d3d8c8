"""The torch device a setting names (cpu, cuda, mps), or ConfigError when this machine lacks it."""

from __future__ import annotations

import torch

from .errors import ConfigError


def resolve_device(name: str) -> torch.device:
    """The torch device for a setting, or ConfigError when this machine does not have it."""
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError("device 'cuda' is not available on this machine (no CUDA GPU found); use --device cpu")
        return torch.device("cuda")
    if name == "mps":
        mps = getattr(torch.backends, "mps", None)
        if not (mps and mps.is_available()):
            raise ConfigError("device 'mps' is not available on this machine (no Apple GPU found); use --device cpu")
        return torch.device("mps")
    raise ConfigError(f"unknown device {name!r}; choose cpu, cuda or mps")
