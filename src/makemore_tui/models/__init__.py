"""The model types and their registry: the one place that knows which types there are.

One module per type: mlp.py (the seed MLP, with its hand-written backward pass and fused SGD
step), bigram.py, mlp_bn.py, wavenet.py, rnn.py (rnn and gru), transformer.py, bow.py; sequence.py holds
what the sequence models share, base.py what all share (see its docstring for the interface every
model speaks). What the rest of the program asks of a type lives in its ModelType below, and the
rest of the program asks only the registry (config.py, the command line, run.py's estimates, the
settings form, the shapes pane): a new type is a module and a `register` call.

The registry reads the settings without importing torch (settings.py, presets.py): the model
modules are imported when a model is first built. `cfg` is a config.Config throughout; this
package never imports config.py (config.py imports it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..errors import ConfigError
from . import presets as _presets
from . import search as _search
from . import settings as _s

DEFAULT_TYPE = "mlp"  # Config's default: the lecture's network


def _no_presets() -> dict[str, dict]:
    return {}


@dataclass(frozen=True)
class ModelType:
    """Everything the program asks of a model type."""

    name: str  # Config.type and `--type`
    description: str  # one line
    build: Callable[[Any, int], Any]  # (cfg, vocab_size) -> the model (an nn.Module), its init seeded by cfg.seed
    estimate_params: Callable[[Any, int], int]  # (cfg, vocab_size) -> its parameter count, without building it
    activation_width: Callable[[Any, int], int] = _s.window_width  # (cfg, vocab_size) -> floats per example
    check: Callable[[Any], None] = _s.no_check  # raises ConfigError for settings this type cannot use
    # the settings of some types only (settings.py's `model=True`) that it reads: its sizes, dropout
    reads: tuple[str, ...] = ("block_size", "n_embd", "n_hidden")
    presets: Mapping[str, dict] = field(default_factory=_no_presets)  # name -> changes to Config's defaults
    search_space: _search.SearchSpace = _search.DEFAULT  # what `makemore-tui sweep` varies (search.py)
    # the values of Config.init this type offers, its own first (Config's default "seed" means that one)
    inits: tuple[str, ...] = ("seed", "kaiming")
    # what a prediction reads of the word so far (the sample trace says it): "window", the block_size
    # characters before it; "last", the one before it; "prefix", the whole word so far from its start
    # token (at most the last block_size characters)
    context: str = "window"


_TYPES: dict[str, ModelType] = {}
# Every registered type's presets, in registry order (config.py re-exports this dict).
PRESETS: dict[str, dict] = {}


def register(spec: ModelType) -> ModelType:
    """Add a model type (after those there are); ValueError if its name or a preset's is taken."""
    if spec.name in _TYPES:
        raise ValueError(f"model type {spec.name!r} is already registered")
    taken = sorted(set(spec.presets) & set(PRESETS))
    if taken:
        raise ValueError(f"preset {taken[0]!r} is already registered")
    _TYPES[spec.name] = spec
    PRESETS.update(spec.presets)
    return spec


def unregister(name: str) -> None:
    """Remove a model type and its presets (tests that register one of their own)."""
    spec = _TYPES.pop(name)
    for p in spec.presets:
        PRESETS.pop(p, None)


def names() -> tuple[str, ...]:
    """The registered types' names, in registry order."""
    return tuple(_TYPES)


def types() -> tuple[ModelType, ...]:
    return tuple(_TYPES.values())


def model_type(name: str) -> ModelType:
    """The registered type of this name; ConfigError (the message Config.validate gives) if none."""
    try:
        return _TYPES[name]
    except (KeyError, TypeError):
        raise ConfigError(f"type must be one of {', '.join(_TYPES)}; got {name!r}") from None


def build_model(cfg, vocab_size: int):
    """The model of cfg.type for a vocabulary of `vocab_size` symbols (an nn.Module)."""
    return model_type(cfg.type).build(cfg, vocab_size)


def count_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


# ---- the built-in types, in the order they are offered ----------------------------------------
# Each builder imports its module when first called, so reading the registry loads no torch.


def _mlp(cfg, vocab_size: int):
    from .mlp import MLP

    return MLP(cfg, vocab_size)


def _bigram(cfg, vocab_size: int):
    from .bigram import Bigram

    return Bigram(cfg, vocab_size)


def _mlp_bn(cfg, vocab_size: int):
    from .mlp_bn import MLPBatchNorm

    return MLPBatchNorm(cfg, vocab_size)


def _wavenet(cfg, vocab_size: int):
    from .wavenet import WaveNet

    return WaveNet(cfg, vocab_size)


def _rnn(cfg, vocab_size: int):
    from .rnn import RNN

    return RNN(cfg, vocab_size, "rnn")


def _gru(cfg, vocab_size: int):
    from .rnn import RNN

    return RNN(cfg, vocab_size, "gru")


def _bow(cfg, vocab_size: int):
    from .bow import BoW

    return BoW(cfg, vocab_size)


def _transformer(cfg, vocab_size: int):
    from .transformer import Transformer

    return Transformer(cfg, vocab_size)


for _spec in (
    ModelType("mlp", "Bengio et al. 2003: embeddings, one tanh layer (lecture 2)", _mlp, _s.mlp_params,
              presets=_presets.MLP, search_space=_search.MLP),
    ModelType("bigram", "a table of next-character logits", _bigram, _s.bigram_params, reads=(),
              context="last", presets=_presets.BIGRAM, search_space=_search.BIGRAM),
    ModelType("mlp-bn", "lecture 3: the MLP with batch normalisation", _mlp_bn, _s.mlp_bn_params,
              check=_s.check_batchnorm, presets=_presets.MLP_BN, search_space=_search.MLP_BN),
    ModelType("wavenet", "lecture 5: neighbouring pairs merged level by level", _wavenet, _s.wavenet_params,
              check=_s.check_wavenet, presets=_presets.WAVENET, search_space=_search.WAVENET),
    ModelType("rnn", "makemore.py's RNN, unrolled over the word prefix", _rnn, _s.recurrent_params(1),
              activation_width=_s.sequence_width, presets=_presets.RNN, search_space=_search.RECURRENT,
              inits=("makemore",), reads=_s.RECURRENT_READS, context="prefix"),
    ModelType("gru", "makemore.py's GRU, unrolled over the word prefix", _gru, _s.recurrent_params(3),
              activation_width=_s.sequence_width, presets=_presets.GRU, search_space=_search.RECURRENT,
              inits=("makemore",), reads=_s.RECURRENT_READS, context="prefix"),
    ModelType("transformer", "makemore.py's GPT: causal self-attention blocks", _transformer,
              _s.transformer_params, activation_width=_s.transformer_width, check=_s.check_transformer,
              reads=_s.TRANSFORMER_READS, presets=_presets.TRANSFORMER,
              search_space=_search.TRANSFORMER, inits=("makemore", "gpt2"), context="prefix"),
    ModelType("bow", "makemore.py's BoW: a causal average of the prefix, an MLP", _bow, _s.bow_params,
              activation_width=_s.sequence_width, presets=_presets.BOW, search_space=_search.BOW,
              inits=("makemore",), context="prefix"),
):
    register(_spec)
del _spec

__all__ = ["DEFAULT_TYPE", "PRESETS", "ModelType", "build_model", "count_params", "model_type", "names",
           "register", "types", "unregister"]
