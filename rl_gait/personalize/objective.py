"""The personalization objective: one number per trial, lower is better (Tune ``mode="min"``).

A personalized policy is good when the simulated patient walks like the recorded patient on level
ground. The objective sums four fidelity errors of the policy's level walk, each divided by a scale
that makes one unit of the sum mean "one clinically noticeable error":

    J = joint_rmse_deg / joint_rmse_scale_deg               (5°: about the IMU angle error itself)
      + endpoint_error_cm / endpoint_scale_cm               (10 cm: foot placement within a shoe)
      + spatiotemporal_error_pct / spatiotemporal_scale_pct (10 %: a minimal detectable change in
                                                             stride time / stance / cadence / speed)
      + fall_penalty * fall_rate                            (fall_rate in [0, 1])
      + stance_error_pct / stance_scale_pct                 (10 points of stance %: issue 27's tolerance;
                                                             mean over sides; only when measured)
      + obliquity_error_deg / obliquity_scale_deg           (3°: issue 27's tolerance on the pelvic
                                                             obliquity range; only when measured)

``fall_penalty`` is large (default 5) because a policy that falls is not a prediction of the
patient, however well its joints track before the fall: a policy falling in every rollout must lose
to any policy that tracks within ~5 scaled units without falling. The inputs are means over the
evaluation rollouts; ``joint_rmse_deg`` is the mean over joints and sides of the per-joint RMSE of
the stride-normalised curves — weighted, when the trial estimated joints no sensor measured, by
``1 / (1 + (σ / 5°)²)`` with σ the estimate's uncertainty (``ReferenceMotion.fidelity_weights``,
:func:`rl_gait.metrics.fidelity.uncertainty_weights`; measured joints weigh 1) — ``spatiotemporal_error_pct`` the mean relative error of cadence,
stride length and speed (:func:`spatiotemporal_error_pct`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rl_gait.errors import RlGaitError


@dataclass(frozen=True)
class ObjectiveWeights:
    """Scales of the objective's terms (see the module docstring). All must be > 0."""

    joint_rmse_scale_deg: float = 5.0
    endpoint_scale_cm: float = 10.0
    spatiotemporal_scale_pct: float = 10.0
    fall_penalty: float = 5.0
    stance_scale_pct: float = 10.0
    obliquity_scale_deg: float = 3.0

    def __post_init__(self) -> None:
        for name in ("joint_rmse_scale_deg", "endpoint_scale_cm", "spatiotemporal_scale_pct", "fall_penalty",
                     "stance_scale_pct", "obliquity_scale_deg"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ObjectiveWeights.{name} must be > 0, got {getattr(self, name)}")


def personalization_objective(
    joint_rmse_deg: float,
    endpoint_error_cm: float,
    spatiotemporal_error_pct: float,
    fall_rate: float,
    weights: ObjectiveWeights = ObjectiveWeights(),
    stance_error_pct: float | None = None,
    obliquity_error_deg: float | None = None,
) -> float:
    """Objective ``J`` (dimensionless, lower is better) from the four fidelity errors.

    Args:
        joint_rmse_deg: mean per-joint RMSE between simulated and reference joint angles, degrees.
        endpoint_error_cm: mean foot (end-point) position error relative to the pelvis, cm.
        spatiotemporal_error_pct: mean absolute relative error of the spatio-temporal parameters, %.
        fall_rate: fraction of evaluation rollouts that ended in a fall, in [0, 1].
        stance_error_pct: mean over sides of |simulated − measured| stance (% of the cycle); ``None`` = not measured.
        obliquity_error_deg: |simulated − measured| pelvic obliquity range, degrees; ``None`` = not measured.

    Non-finite errors (a rollout that produced no gait cycle to compare) count as a fall: ``inf``
    would break Optuna and ASHA, so they are replaced by the value of a fully failed rollout.
    """
    if not 0.0 <= fall_rate <= 1.0:
        raise ValueError(f"fall_rate must be within [0, 1], got {fall_rate}")
    terms = (
        (joint_rmse_deg, weights.joint_rmse_scale_deg),
        (endpoint_error_cm, weights.endpoint_scale_cm),
        (spatiotemporal_error_pct, weights.spatiotemporal_scale_pct),
        *(((stance_error_pct, weights.stance_scale_pct),) if stance_error_pct is not None else ()),
        *(((obliquity_error_deg, weights.obliquity_scale_deg),) if obliquity_error_deg is not None else ()),
    )
    total = 0.0
    for value, scale in terms:
        if not math.isfinite(value):
            return failed_objective(weights, n_terms=len(terms))
        if value < 0:
            raise ValueError(f"fidelity errors must be >= 0, got {value}")
        total += value / scale
    return total + weights.fall_penalty * fall_rate


FAILED_ERROR_UNITS = 20.0
"""Scaled units charged per error term when a trial has no usable gait to compare (see below)."""


def failed_objective(weights: ObjectiveWeights = ObjectiveWeights(), n_terms: int = 3) -> float:
    """The objective of a trial whose policy produced nothing to compare (e.g. fell at once).

    Each of the ``n_terms`` error terms (three, five with measured stance and obliquity) is charged
    ``FAILED_ERROR_UNITS`` scaled units (20 × 5° = 100° RMSE) plus the full fall penalty, so it is finite but
    worse than any real walk.
    """
    return n_terms * FAILED_ERROR_UNITS + weights.fall_penalty


# keys of ``rl_gait.learner.evaluate``'s result that feed the objective
JOINT_RMSE_KEY = "rmse_deg_mean"
ENDPOINT_KEY = "endpoint_error_cm"
FALL_RATE_KEY = "fall_rate"
SPATIOTEMPORAL_KEYS: tuple[str, ...] = ("cadence_error_pct", "stride_length_error_pct", "speed_error_pct")
"""Relative errors (%) of cadence, stride length and speed vs the patient's reference."""
STANCE_ERROR_KEYS: tuple[str, ...] = ("stance_pct_error_r", "stance_pct_error_l")
"""|sim − measured| stance % per side: present when the evaluation was given the measured stance."""
OBLIQUITY_ERROR_KEY = "pelvic_obliquity_range_error_deg"


def spatiotemporal_error_pct(metrics: Mapping[str, float]) -> float:
    """Mean of the :data:`SPATIOTEMPORAL_KEYS` relative errors (%); ``nan`` if any is ``nan``."""
    return float(sum(float(metrics[k]) for k in SPATIOTEMPORAL_KEYS) / len(SPATIOTEMPORAL_KEYS))


def objective_from_metrics(metrics: Mapping[str, float], weights: ObjectiveWeights = ObjectiveWeights()) -> float:
    """:func:`personalization_objective` of a ``rl_gait.learner.evaluate`` result dict."""
    needed = (JOINT_RMSE_KEY, ENDPOINT_KEY, FALL_RATE_KEY, *SPATIOTEMPORAL_KEYS)
    missing = [key for key in needed if key not in metrics]
    if missing:
        raise RlGaitError(
            f"fidelity metrics lack {missing} (have {sorted(metrics)})",
            fix="evaluate the policy with rl_gait.learner.evaluate",
        )
    stance = (float(np.mean([float(metrics[k]) for k in STANCE_ERROR_KEYS]))
              if all(k in metrics for k in STANCE_ERROR_KEYS) else None)
    obliquity = float(metrics[OBLIQUITY_ERROR_KEY]) if OBLIQUITY_ERROR_KEY in metrics else None
    return personalization_objective(
        joint_rmse_deg=float(metrics[JOINT_RMSE_KEY]), endpoint_error_cm=float(metrics[ENDPOINT_KEY]),
        spatiotemporal_error_pct=spatiotemporal_error_pct(metrics), fall_rate=float(metrics[FALL_RATE_KEY]),
        weights=weights, stance_error_pct=stance, obliquity_error_deg=obliquity,
    )
