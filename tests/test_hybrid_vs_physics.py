"""The headline experiment's pure helpers (``experiments/hybrid_vs_physics.py``), on hand-made histories."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "experiments" / "hybrid_vs_physics.py"
_spec = importlib.util.spec_from_file_location("hybrid_vs_physics", _PATH)
hvp = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = hvp  # dataclasses resolve their module while the file runs
_spec.loader.exec_module(hvp)

NAN = float("nan")
HISTORY = [dict(train_s=0.0, steps=0, rmse_deg=NAN, fall_rate=1.0),
           dict(train_s=20.0, steps=4000, rmse_deg=7.5, fall_rate=0.33),
           dict(train_s=40.0, steps=8000, rmse_deg=8.5, fall_rate=0.0),
           dict(train_s=60.0, steps=12000, rmse_deg=7.9, fall_rate=0.0),
           dict(train_s=80.0, steps=16000, rmse_deg=9.4, fall_rate=0.0)]


def test_time_to_threshold_is_the_first_evaluation_without_a_fall_below_it():
    assert hvp.first_reaching(HISTORY, 8.0)["train_s"] == 60.0  # 7.5° at 20 s fell once: not reached
    assert hvp.time_to(HISTORY, 9.0) == 40.0
    assert math.isnan(hvp.time_to(HISTORY, 7.0))


def test_an_evaluation_is_scored_by_the_personalization_objective():
    """objective = RMSE/5 + endpoint/10 + mean(cadence, stride, speed errors)/10 + 5 × falls, hand-computed."""
    fid = dict(rmse_deg_mean=7.5, endpoint_error_cm=12.0, cadence_error_pct=3.0, stride_length_error_pct=6.0,
               speed_error_pct=9.0, fall_rate=1 / 3)
    entry = hvp.history_entry(20.0, 4000, fid)
    assert entry["objective"] == pytest.approx(1.5 + 1.2 + 0.6 + 5 / 3)
    assert (entry["rmse_deg"], entry["fall_rate"], entry["train_s"], entry["steps"]) == (7.5, 1 / 3, 20.0, 4000)
    no_stride = hvp.history_entry(0.0, 0, fid | dict(rmse_deg_mean=NAN, fall_rate=1.0))
    assert no_stride["objective"] > entry["objective"]  # a run with no stride to compare scores as failed


def test_ratio_cell_and_improvement():
    assert hvp.ratio_cell(60.0, 240.0, 480.0) == "25.0"
    assert hvp.ratio_cell(60.0, NAN, 480.0) == "< 12"  # physics-only needed more than the cap
    assert hvp.ratio_cell(NAN, 240.0, 480.0) == "nan"
    assert hvp.improvement_pct(9.0, 10.0) == pytest.approx(10.0)
    assert hvp.improvement_pct(11.0, 10.0) == pytest.approx(-10.0)


def test_each_mode_takes_its_own_pose_kernel_and_the_hybrid_starts_where_personalization_does():
    from rl_gait.envs.rewards import RewardWeights
    from rl_gait.personalize.space import Candidate

    assert hvp.pose_kernel(hvp.Args(), "hybrid") == Candidate().k_pose_per_rad2 == 6.0
    assert hvp.pose_kernel(hvp.Args(), "physics-only") == RewardWeights().k_pose_per_rad2 == 2.0
    assert hvp.pose_kernel(hvp.Args(k_pose=4.0, k_pose_physics=3.0), "physics-only") == 3.0
    assert hvp.pose_kernel(hvp.Args(k_pose=4.0, k_pose_physics=3.0), "hybrid") == 4.0
    ip = hvp.hybrid_params(hvp.Args())
    assert (ip.bc_coeff, ip.style_reward_weight) == (Candidate().bc_coeff, Candidate().style_reward_weight)
    assert hvp.hybrid_params(hvp.Args(bc_coeff=0.0)).bc_coeff == 0.0
