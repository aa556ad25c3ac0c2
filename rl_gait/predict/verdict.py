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

The conservative use of the interval's lower bound means that few rollouts can never earn "safe": with
``n`` rollouts the best the bound can reach is ``n / (n + z²)`` (all succeeded), so "safe" needs at least
:func:`min_rollouts_for_safe` rollouts (16 at the defaults) and, at ``n`` rollouts,
:func:`min_successes_for_safe` successes (16 of 16, 20 of 20, 29 of 30, 37 of 40). Every pipeline budget whose
report gives verdicts rolls out at least that many (:class:`rl_gait.pipeline.run.PipelineBudget`), and
:func:`evidence` states for a rollout count what the numbers can and cannot show.
The highest recommended level of a family is the hardest level such that it and every easier level
reach the verdict asked for (difficulty is monotone: a safe 10° slope above an unsafe 7.5° one is
treated as noise, not as a recommendation).

No slope or stair level is rated better than the level walk (:func:`cap_at_level_walk`): every slope and stair
course starts and ends on level ground, so a body that is "not recommended" on the flat cannot be "safe" on a
10° descent — where the rollouts say otherwise (a task-trained policy that descends better than it walks), the
level keeps its own verdict as ``verdict_own`` and ``verdict_capped_by_level_walk`` says it was lowered.
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


def min_rollouts_for_safe(thresholds: VerdictThresholds = VerdictThresholds()) -> int:  # noqa: B008 (frozen)
    """The fewest rollouts at which "safe" is reachable at all: all ``n`` succeed and the Wilson lower bound
    ``n / (n + z²)`` reaches ``safe_success_ci_low`` ⇔ ``n ≥ c·z² / (1 − c)`` (c = 0.8, z = 1.96: 15.37 → 16)."""
    c, z2 = thresholds.safe_success_ci_low, thresholds.ci_z**2
    if not 0.0 <= c < 1.0:
        raise ValueError(f"safe_success_ci_low must be in [0, 1), got {c}")
    n = max(1, math.ceil(c * z2 / (1.0 - c)))
    while wilson_interval(n, n, thresholds.ci_z)[0] < c:  # guard against rounding at an exact integer bound
        n += 1
    return n


def min_successes_for_safe(n: int, thresholds: VerdictThresholds = VerdictThresholds()) -> int | None:  # noqa: B008
    """The fewest successes out of ``n`` rollouts whose Wilson lower bound reaches ``safe_success_ci_low``;
    ``None`` when even ``n`` of ``n`` does not (``n <`` :func:`min_rollouts_for_safe`)."""
    c, z = thresholds.safe_success_ci_low, thresholds.ci_z
    if n <= 0 or wilson_interval(n, n, z)[0] < c:
        return None
    k = n
    while k > 0 and wilson_interval(k - 1, n, z)[0] >= c:  # the bound rises with k: walk down to the edge
        k -= 1
    return k


def evidence(n: int, thresholds: VerdictThresholds = VerdictThresholds()) -> dict[str, float | int | bool | None]:  # noqa: B008
    """What ``n`` rollouts per level can and cannot show, for the predictions document and the report.

    Returns ``can_certify_safe``; ``min_rollouts_for_safe``; ``successes_needed_for_safe`` (``None`` if not
    reachable); ``success_lower_bound_if_all_succeed`` (the Wilson lower bound of ``n``/``n``: the most a
    flawless level can claim) and ``failure_rate_upper_bound_if_none_fail`` (``1 −`` that: failures rarer than
    this are invisible to ``n`` rollouts); ``ci_half_width_at_half`` (the interval's half width at ``n/2``
    successes, its widest)."""
    z = thresholds.ci_z
    lo_all = wilson_interval(n, n, z)[0]
    lo_half, hi_half = wilson_interval(n // 2, n, z)
    k = min_successes_for_safe(n, thresholds)
    return {"n_rollouts": int(n), "can_certify_safe": k is not None,
            "min_rollouts_for_safe": min_rollouts_for_safe(thresholds), "successes_needed_for_safe": k,
            "success_lower_bound_if_all_succeed": lo_all, "failure_rate_upper_bound_if_none_fail": 1.0 - lo_all,
            "ci_half_width_at_half": 0.5 * (hi_half - lo_half)}


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


def worse_verdict(a: str, b: str) -> str:
    """The less permissive of two verdicts (``not recommended`` < ``supervised`` < ``safe``)."""
    return a if _RANK[a] >= _RANK[b] else b


def cap_at_level_walk(levels: list[dict], level_walk_verdict: str) -> int:
    """Lower every level (``{"verdict": ...}``) rated better than ``level_walk_verdict`` to it, in place: its own
    verdict kept as ``verdict_own``, ``verdict_capped_by_level_walk`` ``True`` (``False`` on the others).
    Idempotent (a level's own verdict is ``verdict_own`` where set); returns how many are lowered."""
    lowered = 0
    for lv in levels:
        own = lv.get("verdict_own", lv["verdict"])
        capped = worse_verdict(own, level_walk_verdict)
        lv["verdict"], lv["verdict_capped_by_level_walk"] = capped, capped != own
        if capped != own:
            lv["verdict_own"] = own
            lowered += 1
        else:
            lv.pop("verdict_own", None)
    return lowered
