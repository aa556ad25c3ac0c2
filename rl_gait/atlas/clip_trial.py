"""A minimal GaitTrial from one StrokeAvatar clip (exactly one gait cycle), for atlas-level work.

Used to score the shared healthy / stroke clips (GPS distributions) and to make patient references
from them in tests. Events come from the atlas' contact detector; the paretic side of a patient clip
is the side with the smaller knee range (compute asymmetry on range, not peak). ``rl_gait.ingest`` is
the production path for whole walks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rl_gait.atlas.build import clip_curves
from rl_gait.ingest.formats.strokeavatar import read_strokeavatar_clip
from rl_gait.ingest.trial import GaitEvents, GaitTrial
from rl_gait.joints import JOINT_NAMES


def trial_from_clip(path: str | Path, patient: bool = False) -> GaitTrial:
    """GaitTrial of one clip; ``patient=True`` marks the side with the smaller knee range paretic."""
    path = Path(path)
    clip = read_strokeavatar_clip(path)
    curves_all, ic, _ = clip_curves(clip)
    names = tuple(j for j in JOINT_NAMES if j in clip.joint_names)
    curves = np.stack([curves_all[JOINT_NAMES.index(j)] for j in names])
    t = clip.cycle_duration_s
    events = {s: GaitEvents(np.array([ic[s] * t, ic[s] * t + t]), np.zeros(0)) for s in ("r", "l")}
    strides = {s: np.array([[ic[s] * t, ic[s] * t + t]]) for s in ("r", "l")}
    rng = {s: float(np.ptp(clip.angle(f"knee_{s}"))) for s in ("r", "l")}
    paretic = ("right" if rng["r"] < rng["l"] else "left") if patient else "none"
    return GaitTrial(
        subject_id=path.stem, sample_rate_hz=clip.sample_rate_hz, time_s=clip.time_s, joint_names=names,
        joint_angles_rad=clip.joint_angles_rad, segment_names=clip.segment_names,
        segment_quat_wxyz=clip.segment_quat_wxyz, events=events, strides=strides,
        curves_mean_rad=curves, curves_sd_rad=np.zeros_like(curves),
        spatiotemporal={"speed_m_s": clip.ave_velocity_m_s, "stride_length_m": clip.stride_length_m,
                        "stride_time_s_r": t, "stride_time_s_l": t, "cadence_steps_per_min": 120.0 / t},
        symmetry={}, paretic_side=paretic, paretic_confidence=0.5 if patient else 0.0,
    )
