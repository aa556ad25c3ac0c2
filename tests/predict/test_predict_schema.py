"""Predictions end to end on the real env (a zero-residual policy plays the reference through the PD
body), and the predictions.json schema."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from rl_gait.errors import InputFormatError
from rl_gait.predict.predict import load_predictions, predict_tasks
from rl_gait.predict.schema import validate
from rl_gait.predict.settings import PredictionSettings


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
    doc = predict_tasks(ZeroResidualPolicy(), body=body, pd=PDParams.default_for(body),
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
    again = predict_tasks(ZeroResidualPolicy(), body=body, pd=PDParams.default_for(body),
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
