"""Gait Variable Score and Gait Profile Score (Baker et al. 2009, Gait Posture 30:265-269).

``GVS`` of one kinematic variable = RMS over the gait cycle of (trial mean curve − atlas mean curve);
``GPS`` = RMS of a set of GVS (per side: that side's variables; overall: all variables). Here the
variables are the sagittal hip / knee / ankle angles the trial has (Baker's 9-variable set also holds
pelvis and frontal/transverse angles, which a sagittal IMU setup does not measure, so our GPS is a
sagittal GPS and not numerically comparable with published 9-variable values). Curves are compared
over the 100 unique points 0…99 % (100 % repeats 0 %). Scores are in degrees.
"""

from __future__ import annotations

import numpy as np

from rl_gait.atlas.model import HealthyAtlas, load_atlas
from rl_gait.joints import JOINT_NAMES


def gait_variable_score_deg(curve_rad: np.ndarray, reference_rad: np.ndarray) -> float:
    """GVS (deg): RMS over the cycle of ``curve − reference``; both ``[101]`` radians, the closing
    point (100 %) is dropped so that contact is not counted twice."""
    d = np.rad2deg(np.asarray(curve_rad, dtype=np.float64)[:-1] - np.asarray(reference_rad, dtype=np.float64)[:-1])
    return float(np.sqrt(np.mean(d**2)))


def gait_profile_score_deg(gvs_deg: list[float] | np.ndarray) -> float:
    """GPS (deg) = sqrt(mean(GVS²)) of the given variables; ``nan`` for an empty set."""
    g = np.asarray(gvs_deg, dtype=np.float64)
    return float(np.sqrt(np.mean(g**2))) if g.size else float("nan")


def atlas_source_for(joint_names: tuple[str, ...]) -> str:
    """Device-matched atlas source: a trial without ankle angles comes from an IMU suit without foot
    sensors (the StrokeAvatar setup) and is scored against the ``"imu"`` source; any other trial
    against ``"optical"``. (The Noitom hip amplitude is ~30 % below optical mocap's, so scoring IMU
    hips against optical curves would flag healthy people.)"""
    return "optical" if any(j.startswith("ankle") for j in joint_names) else "imu"


def gait_profile_score(trial, atlas: HealthyAtlas | None = None, source: str = "auto") -> dict:
    """GVS per joint and GPS per side and overall of a :class:`~rl_gait.ingest.trial.GaitTrial`
    against the atlas at the trial's speed (``spatiotemporal["speed_m_s"]``; the atlas's comfortable
    speed when unknown).

    Only measured joints are scored (``trial.measured_joints``: a joint the trial estimated from other
    segments is not an observation of the patient's gait deviation); the device is matched on them too.

    Returns ``{"overall": float, "r": float, "l": float, "gvs": {joint_name: deg}}`` (degrees).
    """
    atlas = atlas or load_atlas()
    measured = tuple(getattr(trial, "measured_joints", trial.joint_names))
    src = atlas_source_for(measured) if source == "auto" else source
    speed = float(trial.spatiotemporal.get("speed_m_s", float("nan")))
    if not np.isfinite(speed) or speed <= 0:
        speed = atlas.curves[src].speed_ref_m_s
    ref = atlas.mean_curves(speed, src)
    gvs: dict[str, float] = {}
    for j, name in enumerate(trial.joint_names):
        if name not in measured:
            continue
        r = ref[JOINT_NAMES.index(name)]
        c = trial.curves_mean_rad[j]
        if np.all(np.isfinite(r)) and np.all(np.isfinite(c)):
            gvs[name] = gait_variable_score_deg(c, r)
    per_side = {s: gait_profile_score_deg([v for k, v in gvs.items() if k.endswith(f"_{s}")]) for s in ("r", "l")}
    return {"overall": gait_profile_score_deg(list(gvs.values())), "r": per_side["r"], "l": per_side["l"], "gvs": gvs}
