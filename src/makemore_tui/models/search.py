"""Each model type's search space for `makemore-tui sweep`: which settings a sweep varies, over what.

A space is plain data, like the presets (no torch, no Optuna): a base preset the search starts
from, and for each Config field either a range (IntRange, FloatRange), a set of choices (Choice) or
a fixed value. The registry (models/__init__.py) gives every type one; sweep/space.py turns it into
Optuna's suggestions and narrows it from the command line or a TOML file. The length of a run is
not in the space: a sweep gives every trial the same seconds and fits the schedule to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Union

from ..settings import BY_NAME, SETTINGS, Choice, FloatRange, IntRange


Spec = Union[IntRange, FloatRange, Choice]  # or a plain value: the setting is fixed at it


def is_searched(spec: Any) -> bool:
    return isinstance(spec, (IntRange, FloatRange, Choice))


def _params() -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class SearchSpace:
    """What a sweep of one model type varies. `base`: the preset the settings start from (None: the
    preset named like the type, else the type's first, else Config's defaults)."""

    base: str | None = None
    params: Mapping[str, Any] = field(default_factory=_params)

    def searched(self) -> dict[str, Spec]:
        return {k: v for k, v in self.params.items() if is_searched(v)}

    def fixed(self) -> dict[str, Any]:
        return {k: v for k, v in self.params.items() if not is_searched(v)}

    def with_params(self, changes: Mapping[str, Any]) -> "SearchSpace":
        return replace(self, params={**self.params, **changes})


# ---- the built-in spaces -------------------------------------------------------------------------
# AdamW throughout (the presets' SGD recipes need rates two orders of magnitude larger, which one
# range cannot serve); the schedule, its rate, the batch and the weight decay are searched for all.

# The settings every type reads that the table gives a search (settings.py's `search`): these first,
# in this order (the order Optuna is asked in), then any other the table adds.
_FIRST = ("optimizer", "learning_rate", "lr_schedule", "batch_size", "weight_decay")
OPTIMISATION: dict[str, Any] = {n: BY_NAME[n].search for n in _FIRST}
OPTIMISATION.update({s.name: s.search for s in SETTINGS
                     if s.search is not None and not s.model and s.name not in _FIRST})

DEFAULT = SearchSpace(params=OPTIMISATION)  # a type registered without a space of its own

WINDOW_SIZES = {  # the MLP family: the context, the embedding and the hidden layer
    "block_size": IntRange(3, 10),
    "n_embd": IntRange(8, 48, log=True),
    "n_hidden": IntRange(64, 1024, log=True),
}

MLP = SearchSpace(base="best", params={**WINDOW_SIZES, **OPTIMISATION, "init": "kaiming"})
BIGRAM = SearchSpace(params=OPTIMISATION)
MLP_BN = SearchSpace(params={**WINDOW_SIZES, **OPTIMISATION})
WAVENET = SearchSpace(params={
    "block_size": Choice((4, 8, 16)),  # a power of two: pairs are merged until one position is left
    "n_embd": IntRange(8, 48, log=True),
    "n_hidden": IntRange(32, 256, log=True),
    **OPTIMISATION,
})
DROPOUT = BY_NAME["dropout"].search  # the sequence models (the presets' and makemore.py's: 0)
RECURRENT = SearchSpace(params={  # the window stays the preset's (the longest name and one)
    "n_embd": IntRange(16, 128, log=True),
    "n_hidden": IntRange(16, 128, log=True),
    "dropout": DROPOUT,
    **OPTIMISATION,
})
BOW = SearchSpace(params={  # the window stays the preset's (the longest name and one)
    "n_embd": IntRange(16, 128, log=True),
    "n_hidden": IntRange(16, 256, log=True),
    **OPTIMISATION,
})
TRANSFORMER = SearchSpace(params={
    "n_layer": IntRange(1, 6),
    "n_head": Choice((2, 4, 8)),
    "n_embd": Choice((32, 64, 96, 128)),  # multiples of every head count
    "dropout": DROPOUT,
    "tie_embeddings": BY_NAME["tie_embeddings"].search,
    **OPTIMISATION,
})
