"""Sensor sets without thighs (shanks + feet, feet + lumbar, shanks only) on the synthetic walk: the
missing joints are estimated, listed, written to trial.json, and weighted by their uncertainty in the
reference's fidelity weights."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ingest_synthetic import synthetic_walk

from rl_gait.ingest import GaitTrial, ingest
from rl_gait.ingest.formats.generic_csv import write_generic_imu_csv
from rl_gait.reference import reference_for
from rl_gait.reference.motion import ReferenceMotion


@pytest.fixture(scope="module")
def walk():
    return synthetic_walk(seed=7)


def _subset(tmp_path, walk, segments):
    sensors, _ = walk
    return write_generic_imu_csv(tmp_path / "walk.csv", 100.0, {s: sensors[s] for s in segments})


@pytest.mark.parametrize("segments, measured", [
    (("pelvis", "shank_r", "foot_r", "shank_l", "foot_l"), ("ankle_r", "ankle_l")),
    (("pelvis", "foot_r", "foot_l"), ()),
    (("shank_r", "shank_l"), ()),
])
def test_missing_joints_estimated_and_listed(tmp_path, walk, segments, measured):
    _, truth = walk
    trial = ingest(_subset(tmp_path, walk, segments))
    assert trial.measured_joints == measured
    assert set(trial.estimated_joints) | set(measured) == set(trial.joint_names) and len(trial.joint_names) == 6
    s = json.loads((trial.save(tmp_path / "out") / "trial.json").read_text())
    assert s["estimated_joints"] == list(trial.estimated_joints) and s["measured_joints"] == list(measured)
    assert all(0 < s["estimate_sd_deg"][j] < 20 for j in trial.estimated_joints)
    back = GaitTrial.load(tmp_path / "out")
    assert back.estimated_joints == trial.estimated_joints
    # the estimate follows the truth's shape (the synthetic knee is healthy-like): r > 0.8 with the knee
    for s_ in ("r", "l"):
        k = trial.joint_names.index(f"knee_{s_}")
        t_ = trial.time_s
        est, true = trial.joint_angles_rad[:, k], truth[f"knee_{s_}"]
        walking = t_ > 4.0
        assert np.corrcoef(est[walking], true[walking])[0, 1] > 0.8
    assert np.isfinite(trial.spatiotemporal["cadence_steps_per_min"])


def test_estimated_joints_carry_uncertainty_weights(tmp_path, walk):
    """hips and knees estimated (shanks + feet): the reference uses the trial's curves and weights those joints
    below 1 (measured ankles 1); the weights are saved and loaded with the reference."""
    trial = ingest(_subset(tmp_path, walk, ("pelvis", "shank_r", "foot_r", "shank_l", "foot_l")))
    ref = reference_for(trial)
    w = dict(zip(ref.joint_names, ref.fidelity_weights, strict=True))
    assert w["ankle_r"] == w["ankle_l"] == 1.0
    assert all(0.0 < w[j] < 1.0 for j in trial.estimated_joints)
    assert ReferenceMotion.load(ref.save(tmp_path / "ref")).fidelity_weights == ref.fidelity_weights
    assert ref.approach is None and "estimated by the trial" in ref.source
