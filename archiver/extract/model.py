"""Linear scorers with named features whose weights are fitted on labelled pages, not set by hand.

Each decision of extraction (page kind, which headline, which date, which byline) names its
features in code (``Feature``: a name and what it measures, a value between 0 and 1 or a small
count) and scores with ``LinearModel``: ``bias + sum(weight x value)``, a logit. The weights live
in ``weights.json`` beside this module, written by ``bench/crossval.py --write`` (logistic
regression fitted on pages of many sites; its held-out figures are printed by the same script).
Inference is pure Python over values already measured on the one parse of the page.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources


def ramp(value: float, low: float, high: float) -> float:
    """A feature's value from a measure: 0 at ``low`` or below, 1 at ``high`` or above, linear between."""
    if value <= low:
        return 0.0
    return 1.0 if value >= high else (value - low) / (high - low)


@dataclass(frozen=True)
class Feature:
    name: str
    meaning: str


class LinearModel:
    """``logit = bias + sum(weights[f] * values[f])`` over the named features."""

    def __init__(self, name: str, features: tuple[Feature, ...], weights: dict[str, float], bias: float,
                 threshold: float = 0.0) -> None:
        unknown = set(weights) - {f.name for f in features}
        if unknown:
            raise ValueError(f"weights.json: model {name!r} has weights for unknown features {sorted(unknown)}")
        self.name, self.features, self.bias, self.threshold = name, features, bias, threshold
        self.weights = {f.name: float(weights.get(f.name, 0.0)) for f in features}

    def logit(self, values: dict[str, float]) -> float:
        weights = self.weights
        return self.bias + sum(weights.get(name, 0.0) * value for name, value in values.items() if value)

    def probability(self, values: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(min(self.logit(values), 50.0), -50.0)))

    def contributions(self, values: dict[str, float]) -> dict[str, float]:
        return {name: self.weights.get(name, 0.0) * value for name, value in values.items()}

    def best(self, candidates: list[dict[str, float]]) -> int:
        """Index of the highest-scoring candidate (the first on a tie), -1 for none."""
        best, best_logit = -1, -math.inf
        for index, values in enumerate(candidates):
            logit = self.logit(values)
            if logit > best_logit:
                best, best_logit = index, logit
        return best


@cache
def fitted_weights() -> dict:
    """The whole ``weights.json``: its version, what it was fitted on, and every model's weights."""
    return json.loads(resources.files(__package__).joinpath("weights.json").read_text(encoding="utf-8"))


def load_model(name: str, features: tuple[Feature, ...]) -> LinearModel:
    fitted = fitted_weights()["models"].get(name, {})
    return LinearModel(name, features, fitted.get("weights", {}), float(fitted.get("bias", 0.0)),
                       float(fitted.get("threshold", 0.0)))


def weights_version() -> str:
    return str(fitted_weights().get("version", ""))
