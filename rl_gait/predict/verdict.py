"""Verdicts: is a task level safe to practise, only under supervision, or not recommended?

Thresholds (:class:`VerdictThresholds`, documented defaults; a clinician may change them):

- **safe** — the lower end of the 95 % Wilson interval of the success rate is at least
  ``safe_success_ci_low`` (0.80: with 20 rollouts that needs 20/20), no rollout fell more often than
  ``safe_max_fall_rate`` (0.05), and the predicted toe clearance (minimum toe clearance in swing; on
  stairs the smallest clearance over any step edge) is at least ``safe_min_toe_clearance_m`` (1 cm) —
  a toe that skims an edge is a trip risk even when the simulated walker recovers;
- **supervised** — not safe, but the success rate itself is at least ``supervised_success_rate``
  (0.50) and the fall rate at most ``supervised_max_fall_rate`` (0.30);
- **not recommended** — otherwise.

The conservative use of the interval's lower bound means that few rollouts can never earn "safe".
The highest recommended level of a family is the hardest level such that it and every easier level
reach the verdict asked for (difficulty is monotone: a safe 10° slope above an unsafe 7.5° one is
treated as noise, not as a recommendation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rl_gait.predict.metrics import wilson_interval

SAFE, SUPERVISED, NOT_RECOMMENDED = "safe", "supervised", "not recommended"
VERDICTS: tuple[str, ...] = (SAFE, SUPERVISED, NOT_RECOMMENDED)
_RANK = {SAFE: 0, SUPERVISED: 1, NOT_RECOMMENDED: 2}


@dataclass(frozen=True)
class VerdictThresholds:
    """Documented thresholds of :func:`verdict` (see the module docstring)."""

    safe_success_ci_low: float = 0.80
    safe_max_fall_rate: float = 0.05
    safe_min_toe_clearance_m: float = 0.01
    supervised_success_rate: float = 0.50
    supervised_max_fall_rate: float = 0.30
    ci_z: float = 1.96


def verdict(successes: int, falls: int, n: int, toe_clearance_m: float,
            thresholds: VerdictThresholds = VerdictThresholds()) -> str:  # noqa: B008 (frozen)
    """Verdict of one task level from ``successes`` and ``falls`` out of ``n`` rollouts and the predicted
    toe clearance (m, nan when not measurable, which does not count against the level)."""
    if n <= 0:
        return NOT_RECOMMENDED
    low, _ = wilson_interval(successes, n, thresholds.ci_z)
    fall_rate = falls / n
    clearance_ok = math.isnan(toe_clearance_m) or toe_clearance_m >= thresholds.safe_min_toe_clearance_m
    if low >= thresholds.safe_success_ci_low and fall_rate <= thresholds.safe_max_fall_rate and clearance_ok:
        return SAFE
    if successes / n >= thresholds.supervised_success_rate and fall_rate <= thresholds.supervised_max_fall_rate:
        return SUPERVISED
    return NOT_RECOMMENDED


def highest_level(verdicts: Sequence[str], labels: Sequence[str], at_least: str) -> str | None:
    """Label of the hardest level whose verdict and every easier level's is ``at_least`` or better
    (``verdicts`` ordered easiest first); ``None`` if even the easiest level falls short."""
    best = None
    for v, label in zip(verdicts, labels, strict=True):
        if _RANK[v] > _RANK[at_least]:
            break
        best = label
    return best


def family_verdict(verdicts: Sequence[str]) -> str:
    """A family's headline verdict: the verdict of its easiest level (can the patient do it at all?)."""
    return verdicts[0] if verdicts else NOT_RECOMMENDED
