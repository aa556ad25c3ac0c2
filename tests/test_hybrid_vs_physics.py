"""The headline experiment's pure helpers (``experiments/hybrid_vs_physics.py``), on hand-made histories."""

from __future__ import annotations

import math

import pytest
from script_loader import load_experiment

hvp = load_experiment("hybrid_vs_physics")

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
               speed_error_pct=9.0, fall_rate=1 / 3, rmse_deg_mean_clock=4.0, heel_strike_phase_cycles=-0.1)
    entry = hvp.history_entry(20.0, 4000, fid)
    assert (entry["rmse_deg_clock"], entry["heel_strike_phase"]) == (4.0, -0.1)
    assert entry["objective"] == pytest.approx(1.5 + 1.2 + 0.6 + 5 / 3)
    assert (entry["rmse_deg"], entry["fall_rate"], entry["train_s"], entry["steps"]) == (7.5, 1 / 3, 20.0, 4000)
    no_stride = hvp.history_entry(0.0, 0, fid | dict(rmse_deg_mean=NAN, fall_rate=1.0))
    assert no_stride["objective"] > entry["objective"]  # a run with no stride to compare scores as failed


def test_ratio_cell_and_improvement():
    assert hvp.ratio_cell(60.0, 240.0, 480.0) == "25.0"
    assert hvp.ratio_cell(60.0, NAN, 480.0) == "< 13"  # physics-only needed more than the cap: 12.5 rounded up
    assert hvp.ratio_cell(19.0, NAN, 360.0) == "< 6"  # 5.3 %: a bound is never rounded below itself
    assert hvp.ratio_cell(0.0, NAN, 360.0) == hvp.ratio_cell(0.0, 194.0, 360.0) == "0"  # the warm start met it
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


def test_physics_only_results_are_reused_only_from_a_run_with_the_same_physics_settings(tmp_path):
    import json
    from dataclasses import asdict

    row = {"patient": "walk471", "physics_time_to_threshold_s": NAN, "physics_rmse_deg": 10.1,
           "physics_endpoint_cm": 13.9, "physics_success": 1.0, "physics_history": HISTORY,
           **{f"physics_success_{t}": 0.5 for t in hvp.TASK_EVAL}}
    (tmp_path / "raw.json").write_text(json.dumps([row]))
    (tmp_path / "args.json").write_text(json.dumps(asdict(hvp.Args(cap_minutes=6.0, bc_coeff=0.05))))
    with pytest.raises(SystemExit, match="predates policy_format"):  # no record of its network: not reusable
        hvp.physics_results(hvp.Args(cap_minutes=6.0, physics_from=str(tmp_path)))
    other = {**hvp.policy_format(), "observation_sizes": {"joints": 12}}
    (tmp_path / "policy_format.json").write_text(json.dumps(other))
    with pytest.raises(SystemExit, match="policy network / observation"):  # another observation layout
        hvp.physics_results(hvp.Args(cap_minutes=6.0, physics_from=str(tmp_path)))
    (tmp_path / "policy_format.json").write_text(json.dumps(hvp.policy_format()))
    got = hvp.physics_results(hvp.Args(cap_minutes=6.0, bc_coeff=0.0, physics_from=str(tmp_path)))["walk471"]
    assert (got["rmse_deg_at_cap"], got["endpoint_error_cm_at_cap"], got["success_rate_at_cap"]) == (10.1, 13.9, 1.0)
    assert math.isnan(got["time_to_threshold_s"]) and [h["train_s"] for h in got["history"]] == [h["train_s"] for h in HISTORY]
    assert got["success_per_task"] == {t: 0.5 for t in hvp.TASK_EVAL}
    with pytest.raises(SystemExit, match="cap_minutes"):  # another cap: not the same baseline
        hvp.physics_results(hvp.Args(cap_minutes=8.0, physics_from=str(tmp_path)))
    with pytest.raises(SystemExit, match="k_pose_physics"):
        hvp.physics_results(hvp.Args(cap_minutes=6.0, k_pose_physics=6.0, physics_from=str(tmp_path)))
    with pytest.raises(SystemExit, match="cannot read"):
        hvp.physics_results(hvp.Args(physics_from=str(tmp_path / "missing")))


def test_patients_select_whole_recordings_in_cohort_order():
    assert hvp.selected_recordings(()) == list(hvp.RECORDINGS)
    assert hvp.selected_recordings((471, 469, 467)) == [(468, 469, 470), (467,), (471,)]  # a clip picks its recording
    with pytest.raises(SystemExit, match=r"no recording has clip \[999\]"):
        hvp.selected_recordings((467, 999))


def test_physics_only_may_train_past_the_equal_budget_only_to_time_the_threshold():
    args = hvp.Args(cap_minutes=6.0, physics_cap_minutes=15.0)
    assert hvp.time_limit_s(args, "hybrid") == 360.0 and hvp.time_limit_s(args, "physics-only") == 900.0
    assert hvp.time_limit_s(hvp.Args(cap_minutes=6.0), "physics-only") == 360.0  # default: the same cap
    assert hvp.time_limit_s(hvp.Args(cap_minutes=6.0, physics_cap_minutes=4.0), "physics-only") == 360.0
    assert hvp.ratio_cell(123.0, NAN, hvp.time_limit_s(args, "physics-only")) == "< 14"  # 13.7 % of 900 s
