import math

import pytest

from rl_gait.errors import RlGaitError
from rl_gait.personalize.objective import (
    ObjectiveWeights,
    failed_objective,
    objective_from_metrics,
    personalization_objective,
    spatiotemporal_error_pct,
)


def test_objective_hand_computed():
    # 7.5°/5° + 4 cm/10 cm + 12 %/10 % + 5 × 0.25 = 1.5 + 0.4 + 1.2 + 1.25 = 4.35
    assert personalization_objective(7.5, 4.0, 12.0, 0.25) == pytest.approx(4.35)
    # perfect tracking, no fall → 0
    assert personalization_objective(0.0, 0.0, 0.0, 0.0) == 0.0
    # custom scales: 10/2 + 10/5 + 10/10 + 2 × 1 = 5 + 2 + 1 + 2 = 10
    w = ObjectiveWeights(joint_rmse_scale_deg=2.0, endpoint_scale_cm=5.0, spatiotemporal_scale_pct=10.0,
                         fall_penalty=2.0)
    assert personalization_objective(10.0, 10.0, 10.0, 1.0, w) == pytest.approx(10.0)


def test_falling_loses_to_moderate_tracking():
    always_falls = personalization_objective(1.0, 1.0, 1.0, 1.0)  # 0.2 + 0.1 + 0.1 + 5 = 5.4
    never_falls = personalization_objective(10.0, 10.0, 20.0, 0.0)  # 2 + 1 + 2 = 5.0
    assert always_falls == pytest.approx(5.4)
    assert never_falls == pytest.approx(5.0)
    assert never_falls < always_falls


def test_non_finite_counts_as_failure_and_is_finite():
    assert failed_objective() == 3 * 20.0 + 5.0
    assert personalization_objective(math.nan, 1.0, 1.0, 0.0) == failed_objective()
    assert personalization_objective(1.0, math.inf, 1.0, 0.0) == 65.0


def test_objective_rejects_bad_input():
    with pytest.raises(ValueError):
        personalization_objective(1.0, 1.0, 1.0, 1.5)
    with pytest.raises(ValueError):
        personalization_objective(-1.0, 1.0, 1.0, 0.0)
    with pytest.raises(ValueError):
        ObjectiveWeights(fall_penalty=0.0)


def test_objective_from_learner_metrics_dict():
    metrics = {"rmse_deg_mean": 5.0, "endpoint_error_cm": 10.0, "fall_rate": 0.0, "cadence_error_pct": 5.0,
               "stride_length_error_pct": 10.0, "speed_error_pct": 15.0, "pearson_r_mean": 0.9}
    assert spatiotemporal_error_pct(metrics) == pytest.approx(10.0)  # (5 + 10 + 15) / 3
    assert objective_from_metrics(metrics) == pytest.approx(3.0)  # 5/5 + 10/10 + 10/10 + 0
    # no stride found → nan curve metrics → the finite failure value
    assert objective_from_metrics({**metrics, "rmse_deg_mean": math.nan, "fall_rate": 1.0}) == failed_objective()
    with pytest.raises(RlGaitError, match="lack"):
        objective_from_metrics({"fall_rate": 0.0})


def test_measured_stance_and_pelvic_obliquity_add_their_terms():
    # 7.5°/5° + 4/10 + 12/10 + 5 × 0.25 = 4.35; stance (8 + 12)/2 = 10 points / 10 = 1; obliquity 4.5°/3° = 1.5
    assert personalization_objective(7.5, 4.0, 12.0, 0.25, stance_error_pct=10.0) == pytest.approx(5.35)
    assert personalization_objective(7.5, 4.0, 12.0, 0.25, stance_error_pct=10.0,
                                     obliquity_error_deg=4.5) == pytest.approx(6.85)
    metrics = {"rmse_deg_mean": 5.0, "endpoint_error_cm": 10.0, "fall_rate": 0.0, "cadence_error_pct": 5.0,
               "stride_length_error_pct": 10.0, "speed_error_pct": 15.0, "stance_pct_error_r": 8.0,
               "stance_pct_error_l": 12.0, "pelvic_obliquity_range_error_deg": 4.5}
    assert objective_from_metrics(metrics) == pytest.approx(3.0 + 1.0 + 1.5)
    # a failed walk is charged on every term present
    assert objective_from_metrics({**metrics, "rmse_deg_mean": math.nan}) == failed_objective(n_terms=5)
    assert failed_objective(n_terms=5) == 5 * 20.0 + 5.0
