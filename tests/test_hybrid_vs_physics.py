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


def test_the_selected_policy_has_the_fewest_falls_then_the_lowest_rmse():
    assert min(HISTORY, key=hvp.selection_score) is HISTORY[3]
    assert hvp.selection_score(HISTORY[0]) == (1.0, math.inf)  # no stride: worst RMSE


def test_ratio_cell_and_improvement():
    assert hvp.ratio_cell(60.0, 240.0, 480.0) == "25.0"
    assert hvp.ratio_cell(60.0, NAN, 480.0) == "< 12"  # physics-only needed more than the cap
    assert hvp.ratio_cell(NAN, 240.0, 480.0) == "nan"
    assert hvp.improvement_pct(9.0, 10.0) == pytest.approx(10.0)
    assert hvp.improvement_pct(11.0, 10.0) == pytest.approx(-10.0)


def test_physics_only_takes_the_hybrid_pose_kernel_unless_given_its_own():
    assert hvp.pose_kernel(hvp.Args(k_pose=6.0), "physics-only") == 6.0
    assert hvp.pose_kernel(hvp.Args(k_pose=6.0, k_pose_physics=2.0), "physics-only") == 2.0
    assert hvp.pose_kernel(hvp.Args(k_pose=6.0, k_pose_physics=2.0), "hybrid") == 6.0
