"""Reference motions built from the Healthy Motion Atlas (the envs' default tracking target)."""

from __future__ import annotations

import numpy as np

from rl_gait.atlas.model import HealthyAtlas, load_atlas
from rl_gait.atlas.priors import TaskDeviation, task_deviation
from rl_gait.joints import FRONTAL_REFERENCE_NAMES, JOINT_NAMES, N_CURVE_POINTS
from rl_gait.reference.motion import ReferenceMotion
from rl_gait.tasks import Task

N_REFERENCE_SAMPLES = 100
"""Samples per cycle of a built reference (phase k/100, end point not repeated)."""


def side_curves_to_samples(curves_rad: np.ndarray, left_ic_phase: float, n_samples: int = N_REFERENCE_SAMPLES,
                           names: tuple[str, ...] = JOINT_NAMES) -> np.ndarray:
    """Per-side stride curves → one cycle sampled from right initial contact.

    Args:
        curves_rad: ``[J, 101]`` over ``names`` (default ``JOINT_NAMES``), each side with phase 0 at its own
            contact (a curve without a side, such as ``pelvic_obliquity``, over right strides).
        left_ic_phase: phase (cycles) of left contact within the right cycle (0.5 when symmetric).
    Returns:
        ``[n_samples, J]`` at right-cycle phase ``k / n_samples``; a left joint at right phase φ takes its
        own curve at ``φ − left_ic_phase`` (periodic, linear interpolation).
    """
    phase = np.arange(n_samples) / n_samples
    own = np.linspace(0.0, 1.0, N_CURVE_POINTS)[:-1]  # 100 % ≡ 0 %: drop the closing point
    out = np.empty((n_samples, curves_rad.shape[0]))
    for j, name in enumerate(names):
        shift = left_ic_phase if name.endswith("_l") else 0.0
        out[:, j] = np.interp((phase - shift) % 1.0, own, curves_rad[j, :-1], period=1.0)
    return out


FRONTAL_SOURCE = "imu"
"""The atlas source of the healthy frontal curves: the IMU clips (the optical clips' Euler channel order is not
published, so the atlas has no optical frontal curves)."""


def healthy_frontal_curves(atlas: HealthyAtlas, speed_m_s: float) -> dict[str, np.ndarray]:
    """The atlas' healthy frontal curves at ``speed_m_s`` (``{name: [101]}`` rad over
    :data:`~rl_gait.joints.FRONTAL_REFERENCE_NAMES`, :data:`FRONTAL_SOURCE`; ``{}`` for an atlas without them)."""
    return dict(atlas.frontal_mean_curves(speed_m_s, FRONTAL_SOURCE)) if atlas.frontal_names else {}


def frontal_samples(curves: dict[str, np.ndarray], left_ic_phase: float) -> tuple[tuple[str, ...], np.ndarray | None]:
    """``(frontal_names, [N, K])`` of a reference from ``{name: [101]}`` frontal curves (hips at their own contact,
    the pelvis over right strides), in :data:`~rl_gait.joints.FRONTAL_REFERENCE_NAMES` order; ``((), None)``
    without any."""
    names = tuple(n for n in FRONTAL_REFERENCE_NAMES if n in curves)
    if not names:
        return (), None
    return names, side_curves_to_samples(np.stack([curves[n] for n in names]), left_ic_phase, names=names)


def task_timing(stride_time_s: float, stride_length_m: float, task: Task, dev: TaskDeviation) -> tuple[float, float]:
    """``(stride_time_s, stride_length_m)`` on ``task`` from the level values and the literature ratios.

    Stairs: the stride covers two steps, its length along the path is ``2·hypot(depth, rise)``. On a descent or
    stairs (up or down) the speed is capped at the level speed ``stride_length_m / stride_time_s`` (the stride
    time lengthened where the ratios would make it faster): people do not walk down slopes or stairs faster than
    on level ground (the cited ratios slow every such task; the cap makes it hold for any level gait)."""
    t = stride_time_s * dev.stride_time_ratio
    if task.terrain == "stairs":
        length = 2.0 * float(np.hypot(task.step_depth_m, task.step_height_m))
    else:
        length = stride_length_m * dev.stride_length_ratio
    if task.terrain == "stairs" or (task.terrain == "slope" and task.grade_deg < 0):
        t = max(t, length * stride_time_s / stride_length_m)  # length / t <= the level speed
    return t, length


def healthy_reference(task: Task = Task(), speed_m_s: float | None = None,  # noqa: B008 (frozen dataclass)
                      atlas: HealthyAtlas | None = None) -> ReferenceMotion:
    """Healthy reference for ``task``: atlas level curves (optical source, all six joints) + the
    literature task deviation (:func:`rl_gait.atlas.priors.task_deviation`).

    Speed: ``speed_m_s`` if given, else ``task.speed_m_s``, else the atlas's comfortable speed (mean of
    the optical strides, ~1.3 m/s); the level curves are evaluated at that speed (clamped to the data
    range) and the stride time comes from the atlas cadence at that speed. Left leg half a cycle after
    the right (healthy symmetry). On a slope or stairs ``approach`` is the level reference at the task's
    speed.
    """
    atlas = atlas or load_atlas()
    v = speed_m_s if speed_m_s is not None else (task.speed_m_s if task.speed_m_s is not None else atlas.comfortable_speed_m_s)
    level = atlas.mean_curves(v, "optical")
    dev = task_deviation(task)
    curves = level + dev.delta_rad
    cadence = atlas.spatiotemporal_at(v)["cadence_steps_per_min"]
    stride_time = 120.0 / cadence
    stride_time, stride_len = task_timing(stride_time, v * stride_time, task, dev)
    sd = np.sqrt(atlas.sd_curves("optical") ** 2 + dev.sd_rad**2)
    stance = atlas.spatiotemporal_at(v)["stance_pct"] / 100.0
    frontal_names, frontal = frontal_samples(healthy_frontal_curves(atlas, v), 0.5)
    return ReferenceMotion(
        joint_names=JOINT_NAMES, joint_angles_rad=side_curves_to_samples(curves, 0.5),
        cycle_duration_s=stride_time, speed_m_s=stride_len / stride_time, stride_length_m=stride_len,
        task=task.with_speed(stride_len / stride_time), paretic_side="none",
        joint_angles_sd_rad=side_curves_to_samples(sd, 0.5),
        source=f"healthy atlas v{atlas.meta.get('version', '?')} (optical) at {v:.2f} m/s"
               + (f" + literature prior {', '.join(dev.sources)}" if dev.sources else ""),
        stance_fraction=(stance, stance), left_contact_phase=0.5,
        frontal_names=frontal_names, frontal_angles_rad=frontal,  # the atlas' level frontal curves on every task
        # the level gait that walks up to a slope or stairs, at the task's speed
        approach=None if task.terrain == "level" else healthy_reference(Task("level"), stride_len / stride_time, atlas),
    )
