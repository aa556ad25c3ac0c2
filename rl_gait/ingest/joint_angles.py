"""Sagittal joint angles from segment inclinations (heading-free), and their absolute offset.

With θ the sagittal inclination of each segment (:func:`rl_gait.ingest.alignment.sagittal_inclination_rad`,
positive = distal end forward / toes up):

    hip flexion   = θ_thigh − θ_pelvis   (θ_pelvis = 0 when the pelvis tilt is not observable)
    knee flexion  = θ_thigh − θ_shank
    ankle dorsiflexion = θ_foot − θ_shank

With a quiet-standing calibration these are already absolute (0 at standing). Without one, each
segment's long axis is its mean walking direction and the offsets come from :class:`WalkingPriors`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WalkingPriors:
    """Offsets used only when no standing period exists (literature values for adult level walking,
    Perry & Burnfield: the knee nearly extends twice per cycle; mean hip flexion over the cycle ≈ 10°).

    Attributes:
        knee_flexion_p2_rad: the 2nd percentile of knee flexion over the walk.
        hip_flexion_mean_rad: mean hip flexion over the walk.
    """

    knee_flexion_p2_rad: float = float(np.deg2rad(2.0))
    hip_flexion_mean_rad: float = float(np.deg2rad(10.0))


def joint_angles_from_inclinations(theta_rad: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``{joint: [T]}`` (rad) for every joint whose two segments are in ``theta_rad`` (``{segment: [T]}``).

    The hip is computed from the thigh alone (pelvis taken vertical) when ``"pelvis"`` is absent.
    """
    out: dict[str, np.ndarray] = {}
    for s in ("r", "l"):
        thigh, shank, foot = theta_rad.get(f"thigh_{s}"), theta_rad.get(f"shank_{s}"), theta_rad.get(f"foot_{s}")
        if thigh is not None:
            out[f"hip_{s}"] = wrap_pi(thigh - theta_rad.get("pelvis", np.zeros_like(thigh)))
            if shank is not None:
                out[f"knee_{s}"] = wrap_pi(thigh - shank)
        if foot is not None and shank is not None:
            out[f"ankle_{s}"] = wrap_pi(foot - shank)
    return out


def apply_walking_priors(angles_rad: dict[str, np.ndarray], priors: WalkingPriors,
                         walking: np.ndarray | slice | None = None) -> dict[str, np.ndarray]:
    """Shift knee and hip curves so their walking statistics match ``priors`` (ankle left as measured:
    the foot's reference is its foot-flat attitude). Returns new arrays."""
    sel = slice(None) if walking is None else walking
    out = dict(angles_rad)
    for name, x in angles_rad.items():
        if name.startswith("knee"):
            out[name] = x - np.nanpercentile(x[sel], 2) + priors.knee_flexion_p2_rad
        elif name.startswith("hip"):
            out[name] = x - np.nanmean(x[sel]) + priors.hip_flexion_mean_rad
    return out


def wrap_pi(x: np.ndarray) -> np.ndarray:
    """Angles wrapped to (−π, π]."""
    return (np.asarray(x) + np.pi) % (2 * np.pi) - np.pi
