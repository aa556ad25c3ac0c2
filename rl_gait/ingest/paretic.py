"""Paretic side from all the gait asymmetry the sensors show, with a confidence and the evidence.

After a stroke the paretic leg typically moves through a smaller knee (stiff-knee gait), hip and ankle
range and spends less of the cycle in stance (Patterson et al. 2008; Balaban & Tok 2014); its shank and
foot swing slower and through a smaller arc (peak shank angular velocity in swing, Mizuike et al. 2009)
and it pushes off weakly (reduced plantarflexion at push-off: lower peak ankle power and plantarflexion
velocity, Chen et al. 2005; Nadeau et al. 1999). Each available symmetry index (%, positive = right
larger) becomes evidence that the *right* side is paretic:

    e_i = clip(−SI_i / scale_i, −3, 3)     (every index here is smaller on the paretic side)

The weighted mean ``E = Σ w_i e_i / Σ w_i`` gives ``confidence = tanh(|E|)``; the side is the sign of
``E`` when the confidence reaches ``min_confidence``, else ``"none"``. Ranges are used, not peaks
(a stance offset shifts peaks of healthy legs); estimated joints are never evidence (they are inferred
from the measured segments, which already count). Scales are literature-sized asymmetries, set before
looking at any recording: a scale is the SI at which one index alone says "paretic" with confidence 0.76.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

EVIDENCE_DESCRIPTIONS: dict[str, str] = {
    "knee_range": "knee range of motion (measured)",
    "hip_range": "hip range of motion (measured)",
    "ankle_range": "ankle range of motion (measured)",
    "stance_pct": "stance phase (% of the stride)",
    "shank_range": "shank sagittal inclination range",
    "foot_range": "foot sagittal inclination range",
    "swing_peak_omega": "peak segment angular velocity in swing",
    "push_off_omega": "peak foot plantarflexion velocity at push-off",
}


@dataclass(frozen=True)
class PareticEvidence:
    """Per symmetry index: (weight, scale in % at which the evidence is 1)."""

    knee_range: tuple[float, float] = (2.0, 20.0)
    hip_range: tuple[float, float] = (1.0, 25.0)
    ankle_range: tuple[float, float] = (1.0, 25.0)
    stance_pct: tuple[float, float] = (1.0, 8.0)
    shank_range: tuple[float, float] = (1.0, 15.0)
    foot_range: tuple[float, float] = (1.0, 20.0)
    swing_peak_omega: tuple[float, float] = (1.0, 25.0)
    push_off_omega: tuple[float, float] = (1.0, 30.0)
    min_confidence: float = 0.5

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self) if f.name != "min_confidence")


def infer_paretic_side(symmetry_pct: dict[str, float],
                       evidence: PareticEvidence = PareticEvidence()) -> tuple[str, float, dict[str, float]]:
    """``(side, confidence, per-index evidence e_i)`` from symmetry indices (see the module docstring)."""
    terms: dict[str, float] = {}
    num = den = 0.0
    for key in evidence.keys:
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


def evidence_table(symmetry_pct: dict[str, float], terms: dict[str, float],
                   evidence: PareticEvidence = PareticEvidence()) -> list[dict]:
    """The evidence as rows for ``trial.json`` and the report: index, what it measures, SI (%), the side
    it points to, weight and score ``e_i``."""
    return [{"index": k, "what": EVIDENCE_DESCRIPTIONS[k], "symmetry_pct": symmetry_pct[k],
             "points_to": "right" if e > 0 else "left" if e < 0 else "none", "weight": getattr(evidence, k)[0],
             "score": e} for k, e in terms.items()]
