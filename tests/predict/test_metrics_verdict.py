"""Pure prediction metrics and verdict thresholds, against numbers worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rl_gait.metrics import fidelity as F
from rl_gait.predict import metrics as M
from rl_gait.predict.settings import PredictionSettings, task_levels
from rl_gait.predict.verdict import (
    NOT_RECOMMENDED,
    SAFE,
    SUPERVISED,
    VerdictThresholds,
    highest_level,
    verdict,
)


def test_wilson_interval_hand_values():
    # 20/20, z = 1.96: centre = (1 + 0.09604)/(1.19208) = 0.91942, half = 1.96·sqrt(0.0024010)/1.19208 = 0.08057
    lo, hi = M.wilson_interval(20, 20)
    assert lo == pytest.approx(0.8389, abs=1e-4) and hi == pytest.approx(1.0)
    # 10/20: centre 0.5, half = 1.96·sqrt(0.0125 + 0.0024010)/1.19208 = 0.20070
    lo, hi = M.wilson_interval(10, 20)
    assert (lo, hi) == (pytest.approx(0.2993, abs=1e-4), pytest.approx(0.7007, abs=1e-4))
    assert M.wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        M.wilson_interval(3, 2)


def test_cadence_steps_and_stance():
    dt = 0.1
    # right contact on for 6 of every 10 steps starting at 0; left shifted by 5
    c = np.zeros((40, 2), bool)
    for k in range(40):
        c[k, 0] = (k % 10) < 6
        c[k, 1] = ((k - 5) % 10) < 6
    # right in contact at sample 0 (not an IC): right ICs 10, 20, 30, left 5, 15, 25, 35 → 5 strides of
    # 10 steps = 1.0 s: 120 / 1.0 = 120 steps/min
    assert M.cadence_steps_per_min(c, dt) == pytest.approx(120.0)
    # a left foot that never lifts: the right's strides alone (1.0 s), still 120, not 60
    one = c.copy()
    one[:, 1] = True
    assert M.cadence_steps_per_min(one, dt) == pytest.approx(120.0)
    # right strides of 1.0 s and left strides of 0.5 s: 120 / mean(1, 1, 0.5 ×6) = 120 / 0.625 = 192
    half = c.copy()
    half[:, 1] = (np.arange(40) % 5) < 3
    assert M.cadence_steps_per_min(half, dt) == pytest.approx(192.0)
    assert math.isnan(M.cadence_steps_per_min(np.zeros((40, 2), bool), dt))
    st_r, st_l = M.stance_pct_per_side(c)
    assert st_r == pytest.approx(60.0) and st_l == pytest.approx(60.0)
    foot_x = np.zeros((40, 2))
    foot_x[:, 0] = 0.1 * np.arange(40)  # right foot ahead of the left by 0.1·k
    r, l_ = M.step_lengths_m(c, foot_x)
    np.testing.assert_allclose(r, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(l_, [-0.5, -1.5, -2.5, -3.5])


def test_min_toe_clearance_uses_the_middle_of_complete_swings():
    contact = np.array([[1, 1]] * 2 + [[0, 1]] * 8 + [[1, 1]] * 2, bool)
    clear = np.full((12, 2), 0.5)
    clear[2:10, 0] = [0.001, 0.05, 0.03, 0.02, 0.04, 0.06, 0.08, 0.002]  # swing of 8: middle = idx 4..7
    assert M.min_toe_clearance_m(clear, contact) == pytest.approx(0.02)
    # an incomplete swing (runs to the end) does not count
    assert math.isnan(M.min_toe_clearance_m(clear[:8], contact[:8]))


def test_edge_clearance_interpolates_at_the_edge():
    toe_x = np.array([[0.8, 0.0], [1.0, 0.0], [1.2, 0.0]])
    toe_z = np.array([[0.20, 0.0], [0.30, 0.0], [0.40, 0.0]])
    # edge at x = 1.1, z = 0.15: toe at 0.35 there → 0.20; edge at 2.0 never crossed → nan
    out = M.edge_clearances_m(toe_x, toe_z, np.array([1.1, 2.0]), np.array([0.15, 0.3]))
    assert out[0] == pytest.approx(0.20) and np.isnan(out[1])


def test_edge_clearance_skips_a_foot_standing_on_the_tread_and_counts_a_riser_strike():
    """Descending: the right toe rolls off the nosing (x 0.99 → 1.01, 2 mm below its height) in contact,
    then the left toe crosses in swing 3 cm above it. Ascending: a toe in contact 10 cm below the nosing
    (on the riser) crosses it."""
    toe_x = np.array([[0.99, 0.90], [1.01, 0.98], [1.05, 1.02]])
    toe_z = np.array([[-0.002, 0.04], [-0.002, 0.03], [-0.05, 0.02]])
    contact = np.array([[True, False], [False, False], [False, False]])
    # edge at x = 1.0, z = 0: the right crossing (on the tread) skipped; left at w = (1.0 − 0.98)/0.04 = 0.5 → 0.025
    edges_x, edges_z = np.array([1.0]), np.array([0.0])
    assert M.edge_clearances_m(toe_x, toe_z, edges_x, edges_z, contact)[0] == pytest.approx(0.025)
    assert M.edge_clearances_m(toe_x, toe_z, edges_x, edges_z)[0] == pytest.approx(-0.002)  # every crossing
    riser = M.edge_clearances_m(np.array([[0.99, 0.0], [1.01, 0.0]]), np.array([[0.05, 0.0], [0.05, 0.0]]),
                                np.array([1.0]), np.array([0.15]), np.array([[True, True], [True, True]]))
    assert riser[0] == pytest.approx(-0.10)


def test_trunk_sway_peaks_speed_fall_phase():
    assert M.trunk_sway_deg(np.deg2rad([-2.0, 2.0])) == pytest.approx(2.0)
    np.testing.assert_allclose(M.peak_deg(np.deg2rad([[10.0, -5.0], [20.0, -30.0]])), [20.0, -5.0])
    np.testing.assert_allclose(M.peak_abs(np.array([[10.0, -5.0], [20.0, -30.0]])), [20.0, 30.0])
    assert M.walking_speed_m_s(6.0, 10.0) == pytest.approx(0.6)
    assert M.fall_phase_pct(1.25) == pytest.approx(25.0)
    assert F.symmetry_index_pct(0.6, 0.4) == pytest.approx(40.0)


@pytest.mark.parametrize(("k", "falls", "n", "clear", "expected"), [
    (20, 0, 20, 0.05, SAFE),               # Wilson low 0.839 ≥ 0.80
    (19, 1, 20, 0.05, SUPERVISED),          # Wilson low 0.764 < 0.80
    (20, 0, 20, 0.005, SUPERVISED),         # toe skims the edge (< 1 cm)
    (20, 0, 20, float("nan"), SAFE),        # clearance not measurable: not held against the level
    (10, 6, 20, 0.05, SUPERVISED),          # 50 % success, 30 % falls: the supervised boundary
    (10, 7, 20, 0.05, NOT_RECOMMENDED),     # 35 % falls
    (9, 0, 20, 0.05, NOT_RECOMMENDED),      # 45 % success
    (2, 0, 2, 0.05, SUPERVISED),            # few rollouts never earn "safe" (Wilson low 0.34)
    (0, 0, 0, 0.05, NOT_RECOMMENDED),
])
def test_verdict_thresholds_on_constructed_rollouts(k, falls, n, clear, expected):
    assert verdict(k, falls, n, clear, VerdictThresholds()) == expected


def test_highest_level_is_monotone():
    labels = ["2.5°", "5°", "7.5°", "10°"]
    assert highest_level([SAFE, SAFE, SUPERVISED, SAFE], labels, SAFE) == "5°"
    assert highest_level([SAFE, SAFE, SUPERVISED, SAFE], labels, SUPERVISED) == "10°"
    assert highest_level([NOT_RECOMMENDED, SAFE, SAFE, SAFE], labels, SUPERVISED) is None


def test_default_levels():
    fams = task_levels(PredictionSettings())
    assert [t.name for t in fams["slope_down"]][:2] == ["slope_down_2.5deg", "slope_down_5deg"]
    assert [t.step_height_m for t in fams["stairs_up"]] == [0.08, 0.12, 0.15, 0.17, 0.20]
    assert len(fams["level"]) == 1 and sum(map(len, fams.values())) == 21


def test_min_rollouts_for_safe_hand_value():
    from rl_gait.predict.verdict import min_rollouts_for_safe

    # n/n has Wilson lower bound n / (n + z²): ≥ 0.8 ⇔ n ≥ 0.8 · 3.8416 / 0.2 = 15.37 → 16
    # (15/15: 15 / 18.84 = 0.796; 16/16: 16 / 19.84 = 0.806)
    assert min_rollouts_for_safe() == 16
    assert M.wilson_interval(15, 15)[0] < 0.8 <= M.wilson_interval(16, 16)[0]
    # a looser bound needs fewer: c = 0.5 → 0.5 · 3.8416 / 0.5 = 3.84 → 4 (4/4: 4 / 7.84 = 0.51)
    assert min_rollouts_for_safe(VerdictThresholds(safe_success_ci_low=0.5)) == 4


@pytest.mark.parametrize(("n", "needed"), [(2, None), (10, None), (15, None), (16, 16), (20, 20), (30, 29), (40, 37)])
def test_min_successes_for_safe_per_rollout_count(n, needed):
    from rl_gait.predict.verdict import min_successes_for_safe

    # 30: 29/30 → lower 0.833, 28/30 → 0.787; 40: 37/40 → centre (0.925 + 0.04802) / 1.09604 = 0.88776,
    # half 1.96 · sqrt(0.0017344 + 0.00060025) / 1.09604 = 0.08641 → 0.8014; 36/40 → 0.7695
    assert min_successes_for_safe(n) == needed
    if needed is not None:  # the rule and the verdict agree at the edge
        assert verdict(needed, 0, n, 0.05) == SAFE
        assert verdict(needed - 1, 0, n, 0.05) == SUPERVISED


def test_evidence_states_what_n_rollouts_can_show():
    from rl_gait.predict.verdict import evidence

    e10, e20 = evidence(10), evidence(20)
    assert not e10["can_certify_safe"] and e10["successes_needed_for_safe"] is None
    assert e20["can_certify_safe"] and e20["successes_needed_for_safe"] == 20
    # 10/10: 10 / 13.8416 = 0.7225; 20/20: 20 / 23.8416 = 0.8389 (failures rarer than 16 % are invisible)
    assert e10["success_lower_bound_if_all_succeed"] == pytest.approx(0.7225, abs=1e-4)
    assert e20["failure_rate_upper_bound_if_none_fail"] == pytest.approx(0.1611, abs=1e-4)
    assert e20["ci_half_width_at_half"] == pytest.approx(0.2007, abs=1e-4)  # 10/20, worked above


def test_every_verdict_budget_can_certify_safe():
    """A budget whose report gives verdicts rolls out enough per level for "safe" to be reachable; one
    that cannot (the smoke test of the stages) says so, and a budget that claims it with too few is refused."""
    from dataclasses import replace

    from rl_gait.errors import RlGaitError
    from rl_gait.pipeline.run import PipelineBudget
    from rl_gait.predict.verdict import min_rollouts_for_safe

    for name in ("demo", "quick", "standard"):
        assert PipelineBudget.preset(name).n_rollouts >= min_rollouts_for_safe()
    assert not PipelineBudget.preset("smoke").certify_safe
    with pytest.raises(RlGaitError, match="cannot certify 'safe'"):
        replace(PipelineBudget.preset("demo"), n_rollouts=10)


def test_no_slope_or_stair_level_is_rated_safer_than_the_level_walk():
    """The demo's real case: level walk 'not recommended' (10/16, 6 falls), slope down 'safe' at 16/16 — the slope
    levels are lowered to 'not recommended' with their own verdicts kept; a worse level keeps its own; a stair
    level's strategies are capped too; the family summary (verdict, highest levels) uses the capped verdicts."""
    from rl_gait.predict.predict import summarise_families
    from rl_gait.predict.verdict import cap_at_level_walk, worse_verdict

    assert worse_verdict(SAFE, SUPERVISED) == SUPERVISED and worse_verdict(NOT_RECOMMENDED, SAFE) == NOT_RECOMMENDED
    levels = [{"verdict": SAFE}, {"verdict": SUPERVISED}, {"verdict": NOT_RECOMMENDED}]
    assert cap_at_level_walk(levels, SUPERVISED) == 1
    assert [lv["verdict"] for lv in levels] == [SUPERVISED, SUPERVISED, NOT_RECOMMENDED]
    assert levels[0]["verdict_own"] == SAFE and levels[0]["verdict_capped_by_level_walk"] is True
    assert "verdict_own" not in levels[1] and levels[1]["verdict_capped_by_level_walk"] is False
    assert cap_at_level_walk(levels, SUPERVISED) == 1 and levels[0]["verdict_own"] == SAFE  # idempotent
    assert cap_at_level_walk(levels, SAFE) == 0 and levels[0]["verdict"] == SAFE  # a better cap: its own back

    def lv(label, v, **kw):
        return {"difficulty_label": label, "verdict": v, **kw}

    fams = summarise_families({
        "level": [lv("level", verdict(10, 6, 16, 0.02))],
        "slope_down": [lv("5°", verdict(16, 0, 16, 0.02)), lv("10°", verdict(16, 0, 16, 0.02))],
        "stairs_up": [lv("8 cm", SUPERVISED, strategies={"step_over_step": {"verdict": SUPERVISED},
                                                        "step_to": {"evaluated": False}})]})
    assert fams["level"]["verdict"] == NOT_RECOMMENDED and "verdict_capped_by_level_walk" not in fams["level"]["levels"][0]
    down = fams["slope_down"]
    assert [x["verdict"] for x in down["levels"]] == [NOT_RECOMMENDED] * 2
    assert [x["verdict_own"] for x in down["levels"]] == [SAFE] * 2
    assert down["verdict"] == NOT_RECOMMENDED and down["highest_safe_level"] is None
    assert down["highest_recommended_level"] is None
    stairs = fams["stairs_up"]["levels"][0]
    assert stairs["verdict"] == NOT_RECOMMENDED and stairs["strategies"]["step_over_step"]["verdict"] == NOT_RECOMMENDED
    assert stairs["strategies"]["step_over_step"]["verdict_own"] == SUPERVISED
    assert "verdict_capped_by_level_walk" not in stairs["strategies"]["step_to"]  # not evaluated: no verdict
    # a safe level walk caps nothing; without a level family nothing is capped either
    fams = summarise_families({"level": [lv("level", SAFE)], "slope_up": [lv("5°", SAFE), lv("10°", SUPERVISED)]})
    assert fams["slope_up"]["highest_safe_level"] == "5°" and fams["slope_up"]["highest_recommended_level"] == "10°"
    assert summarise_families({"slope_up": [lv("5°", SAFE)]})["slope_up"]["verdict"] == SAFE


def test_speed_ratio_and_speed_checks():
    from rl_gait.predict.predict import add_speed_checks

    assert M.speed_ratio(0.9, 1.2) == pytest.approx(0.75)
    assert math.isnan(M.speed_ratio(None, 1.2)) and math.isnan(M.speed_ratio(0.9, 0.0))
    fams = {"level": {"levels": [{"speed_m_s_successful": 0.73}]},
            "slope_down": {"levels": [{"speed_m_s_successful": 1.14}, {"speed_m_s_successful": 0.80},
                                      {"speed_m_s_successful": None}]},
            "slope_up": {"levels": [{"speed_m_s_successful": 2.0}]}}
    add_speed_checks(fams, 1.15)
    # 1.14 / 0.73 = 1.5616 (running down); 0.80 / 0.73 = 1.0959 within 1.15; no successful rollout: unknown
    checks = [lv["speed_check"] for lv in fams["slope_down"]["levels"]]
    assert checks[0]["ratio_to_level"] == pytest.approx(1.5616, abs=1e-4) and checks[0]["within"] is False
    assert checks[1]["within"] is True and checks[2] == {"ratio_to_level": None, "limit": 1.15, "within": None}
    assert "speed_check" not in fams["slope_up"]["levels"][0]  # uphill is not checked


def test_strategy_duration_stretches_a_slower_strategy():
    from rl_gait.reference.step_to import strategy_duration_s

    assert strategy_duration_s(10.0, 0.56, 0.28) == pytest.approx(20.0)  # step-to: half the speed, twice the time
    assert strategy_duration_s(10.0, 0.56, 0.56) == 10.0
    assert strategy_duration_s(10.0, 0.56, 0.70) == 10.0  # never shorter
