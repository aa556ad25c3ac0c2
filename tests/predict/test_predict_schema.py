"""Predictions end to end on the real env (a zero-residual policy plays the reference through the PD
body), and the predictions.json schema."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from rl_gait.envs.config import WalkEnvConfig
from rl_gait.errors import InputFormatError
from rl_gait.io.documents import validate as validate_document
from rl_gait.predict.predict import load_predictions, predict_tasks
from rl_gait.predict.settings import PredictionSettings


def validate(doc):
    validate_document(doc, "predictions")


class ZeroResidualPolicy:
    """Action 0 = track the reference exactly with the PD body (a real, if untrained, controller)."""

    def act(self, obs):
        return np.zeros(6, np.float32)


@pytest.fixture(scope="module")
def predictions(tmp_path_factory):
    from rl_gait.body import BodyParams, PDParams
    from rl_gait.reference import healthy_reference

    out = tmp_path_factory.mktemp("pred")
    body = BodyParams()
    settings = PredictionSettings(n_rollouts=2, duration_s=3.0, slope_grades_deg=(5.0, 10.0), stair_heights_m=(0.12,))
    doc = predict_tasks(ZeroResidualPolicy(), env_config=WalkEnvConfig(body=body, pd=PDParams.default_for(body)),
                        reference_for_task=healthy_reference, settings=settings, out_dir=out, patient_id="p0")
    return doc, out


def test_every_family_and_level_present_and_file_validates(predictions):
    doc, out = predictions
    assert set(doc["families"]) == {"level", "slope_up", "slope_down", "stairs_up", "stairs_down"}
    assert [lv["task"] for lv in doc["families"]["slope_up"]["levels"]] == ["slope_up_5deg", "slope_up_10deg"]
    on_disk = load_predictions(out)
    assert on_disk["patient_id"] == "p0"
    for fam in doc["families"].values():
        for lv in fam["levels"]:
            assert lv["successes"] + lv["falls"] <= lv["n_rollouts"] == 2
            lo, hi = lv["success_ci95"]
            assert lo <= lv["success_rate"] <= hi
    with np.load(out / "curves.npz") as z:
        assert z["stairs_up_12cm__atlas_rad"].shape == (101, 6)
    # stairs report one clearance per step edge
    assert len(doc["families"]["stairs_up"]["levels"][0]["edge_clearance_m"]) == 6


def test_same_seed_same_predictions(predictions):
    from rl_gait.body import BodyParams, PDParams
    from rl_gait.reference import healthy_reference

    doc, _ = predictions
    body = BodyParams()
    again = predict_tasks(ZeroResidualPolicy(), env_config=WalkEnvConfig(body=body, pd=PDParams.default_for(body)),
                          reference_for_task=healthy_reference,
                          settings=PredictionSettings(n_rollouts=2, duration_s=3.0, families=("level",)))
    assert again["families"]["level"] == doc["families"]["level"]


def test_schema_rejects_broken_documents(predictions):
    doc, out = predictions
    validate(json.loads((out / "predictions.json").read_text()))
    bad = copy.deepcopy(doc)
    bad["families"]["level"]["levels"][0]["verdict"] = "probably fine"
    with pytest.raises(InputFormatError, match="verdict"):
        validate(bad)
    bad = copy.deepcopy(doc)
    del bad["families"]["slope_up"]["levels"][0]["success_ci95"]
    with pytest.raises(InputFormatError, match="success_ci95"):
        validate(bad)
    bad = copy.deepcopy(doc)
    bad["schema"] = "rl_gait.predictions/0"
    with pytest.raises(InputFormatError):
        validate(bad)


def test_predictions_roll_out_with_the_env_config_the_checkpoint_was_trained_with(monkeypatch):
    """``predict_tasks`` builds its env from the checkpoint's config, without the training-only options."""
    import rl_gait.envs.walk as walk
    from rl_gait.body import BodyParams, PDParams
    from rl_gait.reference import healthy_reference

    seen = []

    class Recording(walk.WalkEnv):
        def __init__(self, config=None, **kw):
            seen.append(config)
            super().__init__(config, **kw)

    monkeypatch.setattr(walk, "WalkEnv", Recording)
    body = BodyParams(mass_kg=61.0)
    trained = WalkEnvConfig(body=body, pd=PDParams.default_for(body).scaled("l", kp=0.7), stair_fit=False,
                            trunk_pitch="reference", max_retreat_m=0.5, weakness_range=(0.5, 1.0))
    settings = PredictionSettings(n_rollouts=1, duration_s=0.2, families=("level",))
    predict_tasks(ZeroResidualPolicy(), env_config=trained, reference_for_task=healthy_reference, settings=settings)
    (used,) = seen
    assert (used.body, used.pd, used.stair_fit, used.trunk_pitch, used.level_approach) == (
        body, trained.pd, False, "reference", True)
    assert used.max_retreat_m is None and used.weakness_range is None and used.episode_duration_s == 0.2


def test_document_records_subject_body_and_evidence(predictions):
    doc, _ = predictions
    assert doc["subject"] == "patient" and doc["body"] == {"height_m": 1.70, "mass_kg": 70.0}
    # 2 rollouts: 2/2 has Wilson lower bound 2 / 5.84 = 0.34, "safe" is out of reach
    assert doc["evidence"]["can_certify_safe"] is False and doc["evidence"]["min_rollouts_for_safe"] == 16
    assert doc["evidence"]["success_lower_bound_if_all_succeed"] == pytest.approx(2 / (2 + 1.96**2))


def test_healthy_control_body_takes_the_patients_size():
    from types import SimpleNamespace

    from rl_gait.body import BodyParams, PDParams
    from rl_gait.predict.predict import healthy_control_body

    body, pd = healthy_control_body(SimpleNamespace(height_m=1.82, mass_kg=91.0))
    assert (body.height_m, body.mass_kg) == (1.82, 91.0) and pd == PDParams.default_for(body)
    assert healthy_control_body(None)[0] == BodyParams()  # no trial: the default body
    body, _ = healthy_control_body(SimpleNamespace(height_m=None, mass_kg=60.0))  # a size not recorded stays default
    assert (body.height_m, body.mass_kg) == (BodyParams().height_m, 60.0)


def test_healthy_control_cli_rolls_the_shipped_prior_out(tmp_path, capsys):
    """``rl-gait predict --healthy``: no checkpoint needed, the shipped prior on the default body."""
    from rl_gait.cli import main

    out = tmp_path / "healthy"
    assert main(["predict", "--healthy", "--tasks", "level", "--n-rollouts", "1", "--duration-s", "0.5",
                 "--out", str(out)]) == 0
    doc = load_predictions(out)
    assert doc["subject"] == "healthy_control" and doc["patient_id"] == "healthy control"
    assert doc["checkpoint"] == "rl_gait/data/atlas_policy"
    assert "cannot certify 'safe'" in capsys.readouterr().out
    # without --healthy a checkpoint is required: one line, no traceback
    assert main(["predict", "--tasks", "level", "--out", str(tmp_path / "x")]) != 0
    assert "--checkpoint is required" in capsys.readouterr().err


def test_stair_levels_carry_both_strategies_and_the_verdict_names_the_best(predictions):
    doc, _ = predictions
    lv = doc["families"]["stairs_down"]["levels"][0]
    # a checkpoint not trained on step-to: the strategy is listed, not evaluated, and says why
    assert lv["best_strategy"] == "step_over_step" and lv["strategies"]["step_to"]["evaluated"] is False
    assert "not trained on step-to" in lv["strategies"]["step_to"]["note"]
    sos = lv["strategies"]["step_over_step"]
    assert sos["trained"] and (sos["successes"], sos["verdict"]) == (lv["successes"], lv["verdict"])
    assert "strategies" not in doc["families"]["slope_up"]["levels"][0]


def test_step_to_rollouts_when_trained_or_asked_for(tmp_path):
    from dataclasses import replace

    from rl_gait.body import BodyParams
    from rl_gait.reference import healthy_reference

    body = BodyParams()
    settings = PredictionSettings(n_rollouts=1, duration_s=1.0, families=("stairs_up",), stair_heights_m=(0.12,))
    kw = dict(env_config=WalkEnvConfig(body=body), reference_for_task=healthy_reference)
    doc = predict_tasks(ZeroResidualPolicy(), settings=settings, trained_strategies=("step_over_step", "step_to"),
                        out_dir=tmp_path, **kw)
    lv = doc["families"]["stairs_up"]["levels"][0]
    st = lv["strategies"]["step_to"]
    assert st["evaluated"] and st["trained"] and st["leading_side"] == "right" and st["n_rollouts"] == 1
    with np.load(tmp_path / "curves.npz") as z:
        assert z["stairs_up_12cm__step_to__reference_rad"].shape == (101, 6)
    # asked for although untrained: rolled out, flagged, and never the verdict's strategy
    doc = predict_tasks(ZeroResidualPolicy(), settings=replace(settings, evaluate_untrained_strategies=True), **kw)
    lv = doc["families"]["stairs_up"]["levels"][0]
    assert lv["strategies"]["step_to"]["evaluated"] and not lv["strategies"]["step_to"]["trained"]
    assert lv["best_strategy"] == "step_over_step"


def test_best_strategy_rule():
    from rl_gait.predict.predict import best_strategy

    def s(verdict, rate, trained=True):
        return {"evaluated": True, "trained": trained, "verdict": verdict, "success_rate": rate}

    assert best_strategy({"step_over_step": s("not recommended", 0.4), "step_to": s("supervised", 0.6)}) == "step_to"
    assert best_strategy({"step_over_step": s("supervised", 0.6), "step_to": s("supervised", 0.9)}) == "step_to"
    assert best_strategy({"step_over_step": s("supervised", 0.9), "step_to": s("supervised", 0.9)}) == "step_over_step"
    assert best_strategy({"step_over_step": s("not recommended", 0.1),
                          "step_to": s("safe", 1.0, trained=False)}) == "step_over_step"

