"""Paretic side from gait asymmetry, with a confidence.

After a stroke the paretic leg typically moves through a smaller knee (stiff-knee gait), hip and ankle
range and spends less of the cycle in stance (Patterson et al. 2008; Balaban & Tok 2014). Each
available symmetry index (%, positive = right larger) becomes evidence that the *right* side is paretic:

    e_i = clip(sign_i · SI_i / scale_i, −3, 3)     (sign −1 for ranges and stance: smaller = paretic)

The weighted mean ``E = Σ w_i e_i / Σ w_i`` gives ``confidence = tanh(|E|)``; the side is the sign of
``E`` when the confidence reaches ``min_confidence``, else ``"none"``. Ranges are used, not peaks
(a stance offset shifts peaks of healthy legs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PareticEvidence:
    """Per symmetry index: (weight, scale in % at which the evidence is 1)."""

    knee_range: tuple[float, float] = (2.0, 20.0)
    hip_range: tuple[float, float] = (1.0, 25.0)
    ankle_range: tuple[float, float] = (1.0, 25.0)
    stance_pct: tuple[float, float] = (1.0, 8.0)
    min_confidence: float = 0.5


def infer_paretic_side(symmetry_pct: dict[str, float],
                       evidence: PareticEvidence = PareticEvidence()) -> tuple[str, float, dict[str, float]]:
    """``(side, confidence, per-index evidence)`` from symmetry indices (see the module docstring)."""
    terms: dict[str, float] = {}
    num = den = 0.0
    for key in ("knee_range", "hip_range", "ankle_range", "stance_pct"):
        si = symmetry_pct.get(key, float("nan"))
        if not np.isfinite(si):
            continue
        weight, scale = getattr(evidence, key)
        e = float(np.clip(-si / scale, -3.0, 3.0))
        terms[key] = e
        num += weight * e
        den += weight
    if den == 0:
        return "none", 0.0, terms
    total = num / den
    confidence = float(np.tanh(abs(total)))
    if confidence < evidence.min_confidence:
        return "none", confidence, terms
    return ("right" if total > 0 else "left"), confidence, terms
