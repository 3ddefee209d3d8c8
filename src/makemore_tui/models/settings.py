"""What each model type asks of the settings and what it costs, known without building a model.

The checks raise ConfigError for settings a type cannot use (Config.validate runs them); the
estimates say how many parameters and how many floats of activations per example the settings
mean (run.py refuses settings too large for the machine from them). Nothing here imports torch, so
config.py and the command line can read the registry without loading it. `cfg` is a config.Config.
"""

from __future__ import annotations

from ..errors import ConfigError


# The settings of some types only (the table's `model=True`, ../settings.py) that these types read
RECURRENT_READS = ("block_size", "n_embd", "n_hidden", "dropout")
TRANSFORMER_READS = ("block_size", "n_embd", "n_layer", "n_head", "dropout", "tie_embeddings")


# ---- checks ------------------------------------------------------------------------------------


def no_check(cfg) -> None:
    """Every setting that Config.validate allows suits this type."""


def check_batchnorm(cfg) -> None:
    if cfg.batch_size < 2:
        raise ConfigError(
            f"this model normalises each hidden unit over the batch (BatchNorm), and a batch of {cfg.batch_size} "
            "has no spread to normalise by: use --batch-size 2 or more (the lectures use 32)"
        )


def check_wavenet(cfg) -> None:
    check_batchnorm(cfg)
    if cfg.block_size < 2 or cfg.block_size & (cfg.block_size - 1):
        raise ConfigError(
            f"wavenet merges neighbouring pairs until one position is left, so block_size must be a power "
            f"of two (2, 4, 8, 16, ...); got {cfg.block_size}"
        )


def check_transformer(cfg) -> None:
    if cfg.n_embd % cfg.n_head:
        raise ConfigError(f"n_embd ({cfg.n_embd}) must be a multiple of n_head ({cfg.n_head}): "
                          "each head gets n_embd / n_head dimensions")


# ---- parameter counts (the models' own, without building them; the tests compare) -------------


def mlp_params(cfg, V: int) -> int:
    """C, W1, b1, W2, b2."""
    T, E, H = cfg.block_size, cfg.n_embd, cfg.n_hidden
    return V * E + T * E * H + H + H * V + V


def bigram_params(cfg, V: int) -> int:
    return V * V


def mlp_bn_params(cfg, V: int) -> int:
    """C, W1 (no b1), W2, b2, bngain, bnbias."""
    T, E, H = cfg.block_size, cfg.n_embd, cfg.n_hidden
    return V * E + T * E * H + 2 * H + H * V + V


def wavenet_params(cfg, V: int) -> int:
    """The embedding, a Linear and a BatchNorm per level, the head."""
    T, E, H = cfg.block_size, cfg.n_embd, cfg.n_hidden
    levels = max(1, T.bit_length() - 1)
    return V * E + 2 * E * H + (levels - 1) * 2 * H * H + levels * 2 * H + H * V + V


def recurrent_params(cells: int):
    """The start state, the embedding, `cells` Linear layers on [x, h] (1: rnn, 3: gru), lm_head."""

    def count(cfg, V: int) -> int:
        E, H = cfg.n_embd, cfg.n_hidden
        return H + V * E + cells * ((E + H) * H + H) + H * V + V

    return count


def bow_params(cfg, V: int) -> int:
    """Token and position embeddings, the MLP's two Linear layers, lm_head (with bias)."""
    T, E, H = cfg.block_size, cfg.n_embd, cfg.n_hidden
    return V * E + T * E + (E * H + H) + (H * E + E) + E * V + V


def transformer_params(cfg, V: int) -> int:
    """Token and position embeddings, n_layer blocks, the final LayerNorm, lm_head (no bias; tied: the
    token embedding's)."""
    T, E, L = cfg.block_size, cfg.n_embd, cfg.n_layer
    return V * E + T * E + L * (12 * E * E + 13 * E) + 2 * E + (0 if cfg.tie_embeddings else E * V)


# ---- activations per example (the memory estimate's share of one row) -------------------------


def window_width(cfg, V: int) -> int:
    """A model that reads its window at once: the embeddings, a few hidden- and vocabulary-sized
    tensors."""
    return cfg.block_size * cfg.n_embd + 3 * cfg.n_hidden + 3 * V


def sequence_width(cfg, V: int, blocks: int = 1) -> int:
    """A sequence model: every position of the window holds embedding- and hidden-sized tensors,
    `blocks` times a 4 x n_embd MLP layer, and the logits."""
    T, E, H = cfg.block_size, cfg.n_embd, cfg.n_hidden
    return T * (3 * E + 3 * H + 4 * E * blocks + V)


def transformer_width(cfg, V: int) -> int:
    return sequence_width(cfg, V, cfg.n_layer)
