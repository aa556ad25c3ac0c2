"""Literature task priors: how healthy sagittal kinematics and timing change on slopes and stairs.

No healthy slope or stair recordings are available to the project, so the task change is taken from
published biomechanics (the citations and every number live in ``rl_gait/data/atlas/task_priors.json``,
labelled there as literature priors with their uncertainty). A prior is a deviation from level walking,
``Δ(φ)`` per joint type, given at a few phase knots and interpolated with a periodic cubic spline
(so the deviation, and any reference built from it, stays continuous across the cycle boundary).

- slope: ``Δ = per_deg(φ) · |grade|``, separate uphill / downhill tables (linear in grade).
- stairs: ``Δ = delta_deg(φ) · step_height / 0.17 m``, separate ascent / descent tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.interpolate import CubicSpline

from rl_gait.errors import InputFormatError
from rl_gait.joints import JOINT_NAMES, JOINT_TYPES, N_CURVE_POINTS
from rl_gait.tasks import Task

TASK_PRIORS_PATH = Path(__file__).resolve().parents[1] / "data" / "atlas" / "task_priors.json"


@dataclass(frozen=True)
class TaskDeviation:
    """The literature change from level walking for one task.

    Attributes:
        delta_rad: ``[J, 101]`` over ``JOINT_NAMES`` (each side from its own contact), radians.
        sd_rad: ``[J, 101]`` uncertainty of ``delta_rad``.
        stride_time_ratio: task stride time / level stride time.
        stride_length_ratio: task stride length / level stride length (``nan`` for stairs: geometric).
        stance_pct: task stance % (``nan``: keep the level value plus ``stance_pct_points``).
        stance_pct_points: additive change of stance % (slopes).
        sources: citation keys.
    """

    delta_rad: np.ndarray
    sd_rad: np.ndarray
    stride_time_ratio: float
    stride_length_ratio: float
    stance_pct: float
    stance_pct_points: float
    sources: tuple[str, ...]


@lru_cache(maxsize=4)
def load_task_priors(path: str | None = None) -> dict:
    p = Path(path or TASK_PRIORS_PATH)
    try:
        data = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputFormatError(f"cannot read task priors ({exc.__class__.__name__})", path=p,
                               fix="reinstall rl_gait or pass a valid task_priors.json") from None
    if data.get("format") != "rl_gait.TaskPriors":
        raise InputFormatError("not an rl_gait task-priors file", path=p)
    return data


def periodic_knots_to_curve(phase_pct: list[float], values: list[float], n_points: int = N_CURVE_POINTS) -> np.ndarray:
    """``[n_points]`` periodic cubic spline through knots at ``phase_pct`` (0…100), 0 % ≡ 100 %.

    The knot at 0 % is repeated at 100 % to close the cycle; the curve is evaluated at 0, 1, …, 100 %.
    """
    x = np.asarray(phase_pct, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    if x[0] != 0.0 or np.any(np.diff(x) <= 0) or x[-1] >= 100.0:
        raise ValueError(f"knots must start at 0, increase and stay below 100 %, got {phase_pct}")
    spline = CubicSpline(np.append(x, 100.0), np.append(y, y[0]), bc_type="periodic")
    return spline(np.linspace(0.0, 100.0, n_points))


def _joint_curves(table: dict, value_key: str, sd_key: str, scale: float) -> tuple[np.ndarray, np.ndarray]:
    delta = np.zeros((len(JOINT_NAMES), N_CURVE_POINTS))
    sd = np.zeros_like(delta)
    for jt in JOINT_TYPES:
        spec = table[jt]
        d = periodic_knots_to_curve(spec["phase_pct"], spec[value_key]) * scale
        s = periodic_knots_to_curve(spec["phase_pct"], spec[sd_key]) * abs(scale)
        for side in ("r", "l"):
            delta[JOINT_NAMES.index(f"{jt}_{side}")] = np.deg2rad(d)
            sd[JOINT_NAMES.index(f"{jt}_{side}")] = np.deg2rad(np.abs(s))
    return delta, sd


def task_deviation(task: Task, priors_path: str | None = None) -> TaskDeviation:
    """The literature deviation from level walking for ``task`` (zero for level ground)."""
    pri = load_task_priors(priors_path)
    zeros = np.zeros((len(JOINT_NAMES), N_CURVE_POINTS))
    if task.terrain == "level" or task.signed_rise == 0.0:
        return TaskDeviation(zeros, zeros.copy(), 1.0, 1.0, float("nan"), 0.0, ())
    if task.terrain == "slope":
        table = pri["slope"]["up" if task.grade_deg > 0 else "down"]
        g = abs(task.grade_deg)
        delta, sd = _joint_curves(table["joints"], "per_deg", "sd_per_deg", g)
        if g > 9.0:  # published data stop near 9°: double the uncertainty of the extrapolated part
            sd = sd * (1.0 + (g - 9.0) / g)
        st = table["spatiotemporal"]
        cadence = 1.0 + st["cadence_pct_per_deg"] * g / 100.0
        return TaskDeviation(delta, sd, 1.0 / cadence, 1.0 + st["stride_length_pct_per_deg"] * g / 100.0,
                             float("nan"), st["stance_pct_points_per_deg"] * g, tuple(table["sources"]))
    table = pri["stairs"]["ascent" if task.ascending else "descent"]
    scale = task.step_height_m / pri["stairs"]["reference_step_height_m"]
    delta, sd = _joint_curves(table["joints"], "delta_deg", "sd_deg", scale)
    st = table["spatiotemporal"]
    return TaskDeviation(delta, sd, st["stride_time_ratio_to_level"], float("nan"), st["stance_pct"], 0.0,
                         tuple(table["sources"]))
