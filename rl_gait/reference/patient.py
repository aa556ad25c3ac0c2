"""``reference_for(trial, task)``: a patient's own level pattern transferred to a task.

The rule (per joint and side, angles in radians over ``JOINT_NAMES``, phase 0 at the side's contact):

1. ``q_level`` — the patient's mean level curve from the trial. A joint the trial lacks (IMU suits
   without foot sensors have no ankle) is taken from the optical atlas at the trial's speed and its
   excursion about its mean is scaled by the same side's knee ratio ``ρ_knee`` (step 2): a stiff
   paretic knee comes with a reduced ankle excursion (an assumption, documented, not measured).
2. ``ρ = min(1, range(q_level) / range(healthy))`` — how much of the healthy range of motion the
   joint uses on level ground (healthy = device-matched atlas source at the trial's speed, see
   :func:`rl_gait.atlas.gps.atlas_source_for`).
3. ``q_task = q_level + ρ · Δ_task`` — the literature task deviation (:mod:`rl_gait.atlas.priors`)
   scaled by ``ρ``: a paretic knee that uses 20 % of the healthy range on level ground is asked for
   20 % of the healthy extra flexion on stairs, a healthy-like joint for all of it.
4. This respects the ROM limits ``[min(q_level) + ρ·min(0, min Δ), max(q_level) + ρ·max(0, max Δ)]``
   by construction (:func:`patient_rom_limits_rad`): a joint never exceeds its own level range by more
   than its share ``ρ`` of the healthy task change.

Joints the trial estimated (no sensor measured them, :mod:`rl_gait.ingest.missing_joints`) are used as
its curves, and the reference carries ``fidelity_weights`` (:func:`estimate_weights`): the fidelity metrics and
so the personalization objective weight them by their uncertainty.

Timing: the stride time is the trial's mean stride time (both sides), the stride length the trial's
(or speed × stride time), both changed by the task's literature ratios; the left leg's curves are
placed at the measured step phase (left contact within the right stride, from the trial's events).

Frontal plane (3D body; :func:`patient_frontal_curves`): the trial's pelvic obliquity and hip ab/adduction curves
where its sensors measured them (shape and range; the mean from the healthy atlas), the atlas' healthy curves
where they did not; the same level pattern on every task (no task prior exists for them).
On a slope or stairs the reference's ``approach`` is the patient's level reference (``reference_for(trial)``):
the gait they walk up to the feature with.
"""

from __future__ import annotations

import numpy as np

from rl_gait.atlas.gps import atlas_source_for
from rl_gait.atlas.model import HealthyAtlas, load_atlas
from rl_gait.atlas.priors import task_deviation
from rl_gait.errors import DataQualityError
from rl_gait.joints import FRONTAL_REFERENCE_NAMES, JOINT_NAMES, N_CURVE_POINTS
from rl_gait.metrics.fidelity import uncertainty_weights
from rl_gait.reference.healthy import (
    frontal_samples,
    healthy_frontal_curves,
    side_curves_to_samples,
    task_timing,
)
from rl_gait.reference.motion import ReferenceMotion
from rl_gait.tasks import Task


def rom_ratio(patient_rad: np.ndarray, healthy_rad: np.ndarray) -> np.ndarray:
    """``[J]`` ``min(1, ptp(patient) / ptp(healthy))`` per joint from ``[J, 101]`` curves."""
    return np.minimum(1.0, np.ptp(patient_rad, axis=1) / np.maximum(np.ptp(healthy_rad, axis=1), 1e-9))


def patient_rom_limits_rad(level_rad: np.ndarray, delta_rad: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """``[J, 2]`` (min, max) a task reference may reach: the patient's level range widened by ``ρ``
    times the task deviation's negative / positive extremes."""
    lo = level_rad.min(axis=1) + rho * np.minimum(0.0, delta_rad.min(axis=1))
    hi = level_rad.max(axis=1) + rho * np.maximum(0.0, delta_rad.max(axis=1))
    return np.stack([lo, hi], axis=1)


def stance_fractions(trial, default: float = 0.6) -> tuple[float, float]:
    """``(right, left)`` stance fraction of the cycle from the trial's gait events (``stance_pct_r/l``);
    ``default`` for a side the events do not give."""
    sp = trial.spatiotemporal
    out = []
    for side in ("r", "l"):
        v = float(sp.get(f"stance_pct_{side}", float("nan"))) / 100.0
        out.append(v if np.isfinite(v) and 0.0 < v < 1.0 else default)
    return out[0], out[1]


def step_phase(trial) -> float:
    """Phase (cycles) of left initial contact within the right stride, median over strides; 0.5 if
    the trial's events do not give one."""
    strides = np.asarray(trial.strides.get("r", np.zeros((0, 2))), dtype=np.float64).reshape(-1, 2)
    ic_l = np.asarray(trial.events["l"].initial_contact_s, dtype=np.float64) if "l" in trial.events else np.zeros(0)
    phases = []
    for t0, t1 in strides:
        inside = ic_l[(ic_l > t0) & (ic_l < t1)]
        if inside.size and t1 > t0:
            phases.append((inside[0] - t0) / (t1 - t0))
    return float(np.median(phases)) if phases else 0.5


def _speed_and_stride(trial, atlas: HealthyAtlas) -> tuple[float, float, float]:
    """(speed m/s, stride time s, stride length m) of the trial, with documented fallbacks."""
    sp = trial.spatiotemporal
    times = [sp.get(f"stride_time_s_{s}", np.nan) for s in ("r", "l")]
    times = [t for t in times if t is not None and np.isfinite(t) and t > 0]
    speed = sp.get("speed_m_s", np.nan)
    length = sp.get("stride_length_m", np.nan)
    speed = float(speed) if speed is not None and np.isfinite(speed) and speed > 0 else np.nan
    length = float(length) if length is not None and np.isfinite(length) and length > 0 else np.nan
    if not times:
        cadence = sp.get("cadence_steps_per_min", np.nan)
        if cadence is None or not np.isfinite(cadence) or cadence <= 0:
            raise DataQualityError(f"trial {trial.subject_id!r} has no stride time or cadence",
                                   fix="ingest a walk with at least one full stride per side")
        times = [120.0 / float(cadence)]
    t = float(np.mean(times))
    if np.isnan(speed):
        speed = length / t if np.isfinite(length) else atlas.curves["imu"].speed_ref_m_s
    if np.isnan(length):
        length = speed * t
    return speed, t, length


def estimate_weights(trial) -> tuple[float, ...]:
    """Per joint of ``JOINT_NAMES``: 1 for a measured joint, :func:`~rl_gait.metrics.fidelity.uncertainty_weights`
    of the RMS (over the cycle) of its uncertainty band for a joint the trial estimated."""
    sd_deg = [float(np.degrees(np.sqrt(np.mean(trial.curves_sd_rad[trial.joint_names.index(j)] ** 2))))
              if j in trial.estimated_joints else 0.0 for j in JOINT_NAMES]
    return tuple(float(w) for w in uncertainty_weights(np.asarray(sd_deg)))


def patient_frontal_curves(trial, healthy: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``{name: [101]}`` rad: the frontal reference curves of a patient (names of
    :data:`~rl_gait.joints.FRONTAL_REFERENCE_NAMES`). A curve the trial measured keeps its shape and range, about
    the healthy curve's mean (0 without one): wearable sensors cannot tell a mounting offset from a posture, so
    the measured mean is not used. A curve the trial lacks is the healthy one (``healthy``, the atlas' at the
    trial's speed) or absent."""
    names = tuple(getattr(trial, "frontal_names", ()))
    measured = dict(zip(names, trial.frontal_curves_mean_rad, strict=True)) if names else {}
    out = {}
    for name in FRONTAL_REFERENCE_NAMES:
        if name in measured:
            c = np.asarray(measured[name], dtype=np.float64)
            out[name] = c - c.mean() + (float(np.mean(healthy[name])) if name in healthy else 0.0)
        elif name in healthy:
            out[name] = np.asarray(healthy[name], dtype=np.float64)
    return out


def reference_for(trial, task: Task = Task(), atlas: HealthyAtlas | None = None) -> ReferenceMotion:  # noqa: B008
    """The patient's reference motion for ``task`` (see the module docstring for the rule)."""
    atlas = atlas or load_atlas()
    speed, stride_time, stride_len = _speed_and_stride(trial, atlas)
    src = atlas_source_for(tuple(getattr(trial, "measured_joints", trial.joint_names)))
    healthy_dev = atlas.mean_curves(speed, src)
    healthy_opt = atlas.mean_curves(speed, "optical")

    level = np.full((len(JOINT_NAMES), N_CURVE_POINTS), np.nan)
    for j, name in enumerate(trial.joint_names):
        level[JOINT_NAMES.index(name)] = trial.curves_mean_rad[j]
    healthy = np.where(np.isfinite(healthy_dev), healthy_dev, healthy_opt)
    have = np.all(np.isfinite(level), axis=1)
    for side in ("r", "l"):  # knees and hips must come from the trial
        for jt in ("hip", "knee"):
            if not have[JOINT_NAMES.index(f"{jt}_{side}")]:
                raise DataQualityError(f"trial {trial.subject_id!r} has no mean {jt}_{side} curve",
                                       fix="ingest a walk with thigh and shank sensors on both legs")
    rho = np.ones(len(JOINT_NAMES))
    rho[have] = rom_ratio(level[have], healthy[have])
    for j, name in enumerate(JOINT_NAMES):
        if not have[j]:  # e.g. ankles from an IMU suit: atlas ankle with the same side's knee ratio
            k = JOINT_NAMES.index(f"knee_{name.rsplit('_', 1)[1]}")
            rho[j] = rho[k]
            mean = healthy_opt[j].mean()
            level[j] = mean + rho[k] * (healthy_opt[j] - mean)

    dev = task_deviation(task)
    curves = level + rho[:, None] * dev.delta_rad
    stride_time, stride_len = task_timing(stride_time, stride_len, task, dev)
    missing = [n for n, h in zip(JOINT_NAMES, have, strict=True) if not h]
    estimated = tuple(getattr(trial, "estimated_joints", ()))
    phi_l = step_phase(trial)
    frontal_names, frontal = frontal_samples(patient_frontal_curves(trial, healthy_frontal_curves(atlas, speed)), phi_l)
    source = (f"reference_for({trial.subject_id}, {task.name}): patient level curves, ROM ratio "
              + ", ".join(f"{n}={r:.2f}" for n, r in zip(JOINT_NAMES, rho, strict=True))
              + (f"; {', '.join(missing)} from the optical atlas scaled by the knee ratio" if missing else "")
              + (f"; {', '.join(estimated)} estimated by the trial, fidelity-weighted by their uncertainty"
                 if estimated else "")
              + (f"; task prior {', '.join(dev.sources)}" if dev.sources else ""))
    return ReferenceMotion(
        joint_names=JOINT_NAMES, joint_angles_rad=side_curves_to_samples(curves, phi_l),
        cycle_duration_s=stride_time, speed_m_s=stride_len / stride_time, stride_length_m=stride_len,
        task=task.with_speed(stride_len / stride_time), paretic_side=trial.paretic_side, source=source,
        stance_fraction=stance_fractions(trial), left_contact_phase=phi_l,
        fidelity_weights=estimate_weights(trial) if estimated else None,
        frontal_names=frontal_names, frontal_angles_rad=frontal,  # the level frontal pattern on every task
        # the patient's own level gait walks up to a slope or stairs
        approach=None if task.terrain == "level" else reference_for(trial, Task(), atlas),
    )
