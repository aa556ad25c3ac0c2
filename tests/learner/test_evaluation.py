"""Fidelity from recorded rollouts (pure), on a synthetic walk that replays the reference exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rl_gait.joints import JOINT_NAMES
from rl_gait.learner.evaluation import METRIC_KEYS, fidelity_from_rollouts
from rl_gait.reference.motion import ReferenceMotion

DT = 0.01  # s per step; cycle 1.0 s = 100 steps


def _reference() -> ReferenceMotion:
    ph = np.arange(64) / 64
    q = np.stack([0.3 * np.sin(2 * np.pi * (ph + k / 6)) for k in range(6)], axis=1)
    return ReferenceMotion(joint_names=JOINT_NAMES, joint_angles_rad=q, cycle_duration_s=1.0, speed_m_s=1.2,
                           stride_length_m=1.2)


def _replay(ref: ReferenceMotion, n_cycles: int = 5, speed: float = 1.2, q_offset_rad: float = 0.0):
    k = np.arange(n_cycles * 100)
    t = k * DT
    phase = (k % 100) / 100.0  # exact phases (no float drift at the contact boundaries)
    q = ref.angles_at(phase)[:, [ref.column(n) for n in JOINT_NAMES]] + q_offset_rad
    contact = np.stack([phase < 0.6, (phase >= 0.5) | (phase < 0.1)], axis=1)
    feet = np.stack([np.stack([0.3 * np.cos(2 * np.pi * phase), -0.9 + 0.05 * np.sin(2 * np.pi * phase)], 1)] * 2,
                    axis=1)  # [T, 2, 2]
    dist = speed * (np.arange(len(t)) + 1) * DT
    foot_x = np.stack([dist + 0.3, dist - 0.3], axis=1)
    run = {"q": q, "contact": contact, "feet": feet, "distance_m": dist, "time_s": t + DT, "foot_x_m": foot_x,
           "phase": phase, "fell": np.array(False), "success": np.array(True)}
    ref_feet = np.stack([np.stack([0.3 * np.cos(2 * np.pi * p), -0.9 + 0.05 * np.sin(2 * np.pi * p)])
                         for p in np.linspace(0, 1, 101)])
    return run, np.stack([ref_feet, ref_feet], axis=1)  # [101, 2, 2]


def test_exact_replay_has_zero_curve_error_and_the_reference_timing():
    ref = _reference()
    run, ref_feet = _replay(ref)
    m = fidelity_from_rollouts([run, run], ref, ref_feet, control_dt=DT, target_speed_m_s=1.2,
                               target_spatiotemporal={"stance_pct_r": 55.0, "stance_pct_l": 60.0})
    # right ICs at steps 100, 200, 300, 400 (step 0 is not an observed touch-down) -> 3 strides per run
    assert m["n_strides"] == 6
    assert m["rmse_deg_mean"] == pytest.approx(0.0, abs=1e-9)
    assert m["pearson_r_mean"] == pytest.approx(1.0)
    assert m["endpoint_error_cm"] == pytest.approx(0.0, abs=1e-9)
    assert m["cadence_steps_per_min_sim"] == pytest.approx(120.0)  # 120 / 1.0 s
    assert m["cadence_error_pct"] == pytest.approx(0.0)
    assert m["stride_length_m_sim"] == pytest.approx(1.2)
    assert m["speed_m_s_sim"] == pytest.approx(1.2)
    assert m["stance_pct_r"] == pytest.approx(60.0) and m["stance_pct_l"] == pytest.approx(60.0)
    assert m["stance_symmetry_index_pct"] == pytest.approx(0.0)
    assert m["stance_pct_error_r"] == pytest.approx(5.0)
    assert m["step_length_m_r"] == pytest.approx(0.6) and m["step_length_m_l"] == pytest.approx(-0.6)
    assert m["fall_rate"] == 0.0 and m["success_rate"] == 1.0
    documented = {k.strip() for key in METRIC_KEYS for k in key.split(",")}
    for k in m:
        generic = k.replace(f"_{k.rsplit('_', 2)[-2]}_{k.rsplit('_', 1)[-1]}", "_<joint>") if any(
            k.endswith(j) for j in JOINT_NAMES) else k
        assert k in documented or generic in documented, k


def test_offset_walk_and_a_fall():
    ref = _reference()
    run, ref_feet = _replay(ref, q_offset_rad=math.radians(3.0))
    fallen = {**run, "q": run["q"][:50], "contact": run["contact"][:50], "feet": run["feet"][:50], "phase": run["phase"][:50],
              "distance_m": run["distance_m"][:50], "foot_x_m": run["foot_x_m"][:50], "fell": np.array(True),
              "success": np.array(False)}
    m = fidelity_from_rollouts([run, fallen], ref, ref_feet, control_dt=DT, target_speed_m_s=1.0)
    assert m["rmse_deg_mean"] == pytest.approx(3.0)
    assert m["fall_rate"] == 0.5 and m["success_rate"] == 0.5
    assert m["speed_error_pct"] == pytest.approx(20.0)  # 1.2 vs 1.0 m/s
    # nothing walked at all -> curve metrics are nan, not an exception
    empty = fidelity_from_rollouts([fallen], ref, ref_feet, control_dt=DT, target_speed_m_s=1.0)
    assert empty["n_strides"] == 0 and math.isnan(empty["rmse_deg_mean"]) and empty["fall_rate"] == 1.0


def test_a_bouncing_touch_down_is_one_initial_contact():
    # the replay with the right foot leaving the ground for 3 steps (0.03 s) just after each touch-down
    # (steps 2..4 of every cycle): still 3 strides, the same curves and a 60 % stance, not 7 strides of
    # 5 and 95 steps; a 0.03 s gap is no swing (rl_gait.metrics.fidelity.MIN_SWING_S = 0.1 s)
    ref = _reference()
    run, ref_feet = _replay(ref)
    bouncing = run["contact"].copy()
    bouncing[(np.arange(len(bouncing)) % 100 >= 2) & (np.arange(len(bouncing)) % 100 < 5), 0] = False
    m = fidelity_from_rollouts([{**run, "contact": bouncing}], ref, ref_feet, control_dt=DT, target_speed_m_s=1.2)
    assert m["n_strides"] == 3
    assert m["rmse_deg_mean"] == pytest.approx(0.0, abs=1e-9)
    assert m["cadence_steps_per_min_sim"] == pytest.approx(120.0)
    assert m["stance_pct_r"] == pytest.approx(60.0)


def test_early_heel_strikes_are_told_apart_from_poor_tracking():
    # the joints replay the reference on its clock, but both feet touch down 10 steps (0.1 cycle) early:
    # cut at the simulated heel strikes the curves are shifted by 10 % (RMSE > 0); cut where the clock
    # starts a cycle they match (0); the heel strikes fall at reference phase 0.9 = −0.1 cycles
    ref = _reference()
    run, ref_feet = _replay(ref)
    early = {**run, "contact": np.roll(run["contact"], -10, axis=0)}
    m = fidelity_from_rollouts([early], ref, ref_feet, control_dt=DT, target_speed_m_s=1.2)
    assert m["heel_strike_phase_cycles"] == pytest.approx(-0.1)
    assert m["rmse_deg_mean_clock"] == pytest.approx(0.0, abs=1e-9)
    assert m["rmse_deg_mean"] > 5.0
    # on time: both agree, phase 0
    m0 = fidelity_from_rollouts([run], ref, ref_feet, control_dt=DT, target_speed_m_s=1.2)
    assert m0["heel_strike_phase_cycles"] == pytest.approx(0.0, abs=1e-12)
    assert m0["rmse_deg_mean_clock"] == pytest.approx(0.0, abs=1e-9)
    # without a recorded clock the timing metrics are nan, the rest unchanged
    m1 = fidelity_from_rollouts([{k: v for k, v in run.items() if k != "phase"}], ref, ref_feet, control_dt=DT,
                                target_speed_m_s=1.2)
    assert math.isnan(m1["rmse_deg_mean_clock"]) and math.isnan(m1["heel_strike_phase_cycles"])
    assert m1["rmse_deg_mean"] == pytest.approx(0.0, abs=1e-9)


def test_pelvic_obliquity_range_of_the_stride_mean_curve_and_its_error():
    ref = _reference()
    run, ref_feet = _replay(ref)
    # a pelvis rolling ±4° once per stride: the stride-mean curve spans 8°
    run = {**run, "pelvic_obliquity_rad": np.radians(4.0) * np.sin(2 * np.pi * run["phase"])}
    m = fidelity_from_rollouts([run], ref, ref_feet, control_dt=DT, target_speed_m_s=1.2,
                               target_spatiotemporal={"pelvic_obliquity_range_deg": 11.0})
    assert m["pelvic_obliquity_range_deg"] == pytest.approx(8.0, abs=0.01)
    assert m["pelvic_obliquity_range_error_deg"] == pytest.approx(3.0, abs=0.01)
    level = fidelity_from_rollouts([{**run, "pelvic_obliquity_rad": np.zeros(len(run["q"]))}], ref, ref_feet,
                                   control_dt=DT, target_speed_m_s=1.2)
    assert level["pelvic_obliquity_range_deg"] == 0.0 and "pelvic_obliquity_range_error_deg" not in level
