"""``--body-model``: one flag on every command that trains or rolls out a policy, read into
``WalkEnvConfig.body_model``; a warm start or a checkpoint of another body is refused in one line, exit 2, before
anything is ingested or Ray starts."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from rl_gait.cli import build_parser, main
from rl_gait.learner.checkpoint import ATLAS_POLICY_DIR, SIDECAR_NAME

COMMANDS = ("run", "demo", "train", "personalize", "predict")


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err, err
    return err


def _ray_started() -> bool:
    return "ray" in sys.modules and sys.modules["ray"].is_initialized()


@pytest.fixture
def checkpoint_3d(tmp_path) -> Path:
    """The shipped (planar) prior's folder with a sidecar saying ``body_model: "3d"``: what the body checks read
    (its hashes no longer match: they are checked later, with the weights)."""
    ckpt = tmp_path / "ckpt3d"
    shutil.copytree(ATLAS_POLICY_DIR, ckpt)
    side = json.loads((ckpt / SIDECAR_NAME).read_text())
    side["env_config"] = {"body_model": "3d"}  # the prior's sidecar predates env_config: the 3D defaults
    (ckpt / SIDECAR_NAME).write_text(json.dumps(side))
    return ckpt


def test_every_command_takes_the_body_models(capsys):
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in COMMANDS:
        flag = next(a for a in sub.choices[name]._actions if "--body-model" in a.option_strings)
        assert tuple(flag.choices) == ("planar", "3d"), name
        assert flag.default == (None if name == "predict" else "planar"), name  # predict: the checkpoint's
    with pytest.raises(SystemExit) as exc:
        main(["train", "--trial", "x", "--out", "o", "--body-model", "sideways"])
    assert exc.value.code == 2 and "invalid choice: 'sideways'" in capsys.readouterr().err


def test_run_and_demo_pass_the_body_model_as_the_env_config_field(monkeypatch, tmp_path):
    import rl_gait.pipeline.run as run_mod

    seen = []

    def fake_run_pipeline(inputs, out, budget, *, env=None, **kwargs):
        seen.append(env)
        return Path(out) / "report.html"

    monkeypatch.setattr(run_mod, "run_pipeline", fake_run_pipeline)
    assert main(["run", str(tmp_path / "walk.csv"), "--out", str(tmp_path / "o"), "--body-model", "3d"]) == 0
    assert main(["demo", "--out", str(tmp_path / "d")]) == 0
    assert [e.body_model for e in seen] == ["3d", "planar"]


@pytest.fixture
def no_3d_prior(monkeypatch, tmp_path):
    """A package without the shipped 3D prior."""
    import rl_gait.learner.checkpoint as ckpt

    monkeypatch.setitem(ckpt.ATLAS_POLICY_DIRS, "3d", tmp_path / "not_shipped")


def test_train_3d_with_the_atlas_warm_start_says_there_is_no_3d_prior(tmp_path, capsys, no_3d_prior):
    """Hybrid mode warm-starts from the body's shipped prior by default; without a 3D one: one line with the fix,
    before the (missing) trial is even looked at."""
    code = main(["train", "--trial", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"),
                 "--body-model", "3d"])
    err = _one_line_error(capsys)
    assert code == 2 and "no shipped 3d healthy prior" in err and "planar" in err
    assert "--warm-start none" in err and "--mode physics-only" in err and "missing.csv" not in err
    assert not _ray_started() and not (tmp_path / "o").exists()


def test_warm_start_of_another_body_names_the_checkpoint_and_both_bodies(tmp_path, capsys, checkpoint_3d):
    trial, out = str(tmp_path / "missing.csv"), str(tmp_path / "o")
    code = main(["train", "--trial", trial, "--out", out, "--body-model", "3d", "--warm-start", str(ATLAS_POLICY_DIR)])
    err = _one_line_error(capsys)
    assert code == 2 and str(ATLAS_POLICY_DIR) in err and "planar body" in err and "this run is 3d" in err
    code = main(["train", "--trial", trial, "--out", out, "--warm-start", str(checkpoint_3d)])  # planar by default
    err = _one_line_error(capsys)
    assert code == 2 and str(checkpoint_3d) in err and "3d body" in err and "this run is planar" in err
    # physics-only takes no warm start at all: its own refusal, as before
    code = main(["train", "--trial", trial, "--out", out, "--body-model", "3d", "--mode", "physics-only",
                 "--warm-start", str(checkpoint_3d)])
    assert code == 2 and "missing.csv" in _one_line_error(capsys)  # the trial is read: the atlas default is none
    assert not _ray_started()


def test_train_3d_takes_the_shipped_3d_prior_as_its_atlas_warm_start(tmp_path, capsys):
    """With the 3D prior shipped, the body check passes and the (missing) trial is what is refused."""
    code = main(["train", "--trial", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"), "--body-model", "3d"])
    assert code == 2 and "missing.csv" in _one_line_error(capsys)


def test_personalize_3d_refuses_the_planar_prior_before_reading_the_cohort(tmp_path, capsys, checkpoint_3d,
                                                                          no_3d_prior):
    code = main(["personalize", "--trial", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"),
                 "--body-model", "3d"])
    err = _one_line_error(capsys)
    assert code == 2 and "no shipped 3d healthy prior" in err and "--warm-start none" in err
    code = main(["personalize", "--trial", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"),
                 "--warm-start", str(checkpoint_3d)])
    err = _one_line_error(capsys)
    assert code == 2 and str(checkpoint_3d) in err and "3d body" in err and "this run is planar" in err
    assert not _ray_started()


def test_predict_refuses_a_body_model_the_checkpoint_was_not_trained_on(tmp_path, capsys, checkpoint_3d):
    code = main(["predict", "--checkpoint", str(checkpoint_3d), "--body-model", "planar", "--out", str(tmp_path)])
    err = _one_line_error(capsys)
    assert code == 2 and str(checkpoint_3d) in err and "trained on the 3d body" in err and "asks for planar" in err
    code = main(["predict", "--healthy", "--body-model", "3d", "--out", str(tmp_path)])
    err = _one_line_error(capsys)
    assert code == 2 and "shipped healthy prior" in err and "planar body" in err and "asks for 3d" in err
    assert not (tmp_path / "predictions.json").exists()


def test_sweep_trials_train_on_the_sweep_env_options():
    """``TrialSettings.env`` is the base of every trial's env: the body model's default PD and reward weights."""
    from rl_gait.body import BodyParams, PDParams
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.envs.walk3d import Reward3DWeights
    from rl_gait.personalize.patients import patient_from_reference
    from rl_gait.personalize.space import search_space_for
    from rl_gait.personalize.trainable import TrialSettings, trial_env_config
    from rl_gait.reference import healthy_reference
    from rl_gait.tasks import Task

    patient = patient_from_reference("p", healthy_reference(Task()), BodyParams(mass_kg=60.0))
    candidate = search_space_for(patient.prior).centre()
    planar = trial_env_config(patient, candidate, TrialSettings())
    assert planar.body_model == "planar" and len(planar.pd.kp_nm_per_rad) == 6
    env = trial_env_config(patient, candidate, TrialSettings(env=WalkEnvConfig(body_model="3d")))
    assert env.body_model == "3d" and type(env.reward_weights) is Reward3DWeights
    assert env.reward_weights.k_pose_per_rad2 == candidate.k_pose_per_rad2
    assert env.pd == candidate.pd(PDParams.default_for(env.body, "3d")) and len(env.pd.kp_nm_per_rad) == 14
    assert TrialSettings(env=WalkEnvConfig(body_model="3d")).to_dict()["env"]["body_model"] == "3d"
