"""``WalkEnvConfig``: one typed, versioned env configuration, JSON round trip, both construction forms, and the
one place older checkpoint sidecars are migrated (:func:`rl_gait.learner.checkpoint.env_config_from_sidecar`)."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest

import rl_gait  # noqa: F401  (registers the ids)
from rl_gait.body import BodyParams, PDParams
from rl_gait.envs.config import CONFIG_VERSION, FIELDS_BEFORE_RECORDED, WalkEnvConfig
from rl_gait.envs.rewards import RewardWeights
from rl_gait.tasks import Task
from rl_gait.terrain.terrain import TerrainLayout


def _full_config() -> WalkEnvConfig:
    from rl_gait.reference import healthy_reference

    body = BodyParams(height_m=1.62, mass_kg=58.0)
    task = Task("stairs", step_height_m=0.12)
    return WalkEnvConfig(task=task, reference=healthy_reference(task), body=body,
                         pd=PDParams.default_for(body).scaled("l", kp=0.6, torque=0.5),
                         reward_weights=RewardWeights(contact=0.1), terrain_layout=TerrainLayout(n_steps=4),
                         episode_duration_s=4.0, feature_start_prob=0.3, max_lag_m=1.5, max_retreat_m=0.5,
                         weakness_range=(0.5, 0.9), trunk_pitch="reference", stair_fit=False, level_approach=False,
                         swing_clearance_m=0.015)


def test_to_dict_is_json_and_from_dict_inverts_it_exactly():
    cfg = _full_config()
    d = json.loads(json.dumps(cfg.to_dict(), allow_nan=False))
    assert d["version"] == CONFIG_VERSION
    back = WalkEnvConfig.from_dict(d)
    assert back.reference is not None and back.reference.approach is not None
    np.testing.assert_array_equal(back.reference.joint_angles_rad, cfg.reference.joint_angles_rad)
    np.testing.assert_array_equal(back.reference.approach.joint_angles_rad, cfg.reference.approach.joint_angles_rad)
    assert back.replace(reference=None) == cfg.replace(reference=None)
    assert WalkEnvConfig.from_dict(WalkEnvConfig().to_dict()) == WalkEnvConfig()


def test_bad_values_and_unknown_or_newer_dicts_are_refused():
    with pytest.raises(ValueError, match="weakness_range"):
        WalkEnvConfig(weakness_range=(0.9, 0.5))
    with pytest.raises(ValueError, match="trunk_pitch"):
        WalkEnvConfig(trunk_pitch="forward")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="swing_clearance_m"):
        WalkEnvConfig(swing_clearance_m=0.0)
    with pytest.raises(ValueError, match="unknown env config fields"):
        WalkEnvConfig.from_dict({"stair_fitt": True})
    with pytest.raises(ValueError, match="newer"):
        WalkEnvConfig.from_dict({"version": CONFIG_VERSION + 1})


def test_for_rollouts_drops_only_the_training_options():
    cfg = _full_config()
    roll = cfg.for_rollouts(episode_duration_s=2.0)
    assert (roll.feature_start_prob, roll.max_lag_m, roll.max_retreat_m, roll.weakness_range) == (0.0, None, None, None)
    assert roll.replace(episode_duration_s=4.0, feature_start_prob=0.3, max_lag_m=1.5, max_retreat_m=0.5,
                        weakness_range=(0.5, 0.9)) == cfg


def test_gym_make_with_a_config_equals_the_keyword_form():
    """``gym.make(id, config=cfg)`` and ``gym.make(id, **fields)`` build the same env: same observations and
    rewards from the same seed; keywords next to a config replace its fields."""
    cfg = WalkEnvConfig(task=Task("slope", grade_deg=-8.0), stair_fit=False, episode_duration_s=1.0)
    a = gym.make(cfg.env_id, config=cfg)
    b = gym.make("rl_gait/SlopeWalk-v0", grade_deg=-8.0, stair_fit=False, episode_duration_s=1.0)
    c = gym.make(cfg.env_id, config=WalkEnvConfig(task=cfg.task), stair_fit=False, episode_duration_s=1.0)
    assert a.unwrapped.config == b.unwrapped.config == c.unwrapped.config == cfg
    obs = [e.reset(seed=3)[0] for e in (a, b, c)]
    steps = [e.step(np.full(6, 0.2, np.float32))[:2] for e in (a, b, c)]
    for o, (o2, r) in zip(obs[1:], steps[1:], strict=True):
        np.testing.assert_array_equal(o, obs[0])
        np.testing.assert_array_equal(o2, steps[0][0])
        assert r == steps[0][1]
    for e in (a, b, c):
        e.close()


def test_older_sidecars_are_migrated_in_one_place():
    """No ``env_config``: the learner runs' ``env_kwargs`` and the shipped policy's ``env_options`` (``env_kwargs``
    wins); an option neither records has the value it had before it was recorded."""
    from rl_gait.learner.checkpoint import env_config_from_sidecar

    assert FIELDS_BEFORE_RECORDED == {"trunk_pitch": "upright", "stair_fit": False, "level_approach": False,
                                      "lumbar_locked": False, "swing_clearance_m": None}
    old = env_config_from_sidecar({})
    assert (old.trunk_pitch, old.stair_fit, old.level_approach, old.lumbar_locked) == ("upright", False, False, False)
    assert old.swing_clearance_m is None and WalkEnvConfig().swing_clearance_m == 0.015
    before_swing_fit = {k: v for k, v in WalkEnvConfig().to_dict().items() if k != "swing_clearance_m"}
    assert WalkEnvConfig.from_dict(before_swing_fit).swing_clearance_m is None  # a typed sidecar from before it
    atlas = env_config_from_sidecar({"env_options": {"trunk_pitch": "upright", "stair_fit": True}})
    assert (atlas.stair_fit, atlas.level_approach) == (True, False)
    body = BodyParams(mass_kg=61.0)
    run = env_config_from_sidecar({"env_options": {"stair_fit": False},
                                   "env_kwargs": {"stair_fit": True, "level_approach": True, "body": body.to_dict(),
                                                  "reward_weights": RewardWeights(k_pose_per_rad2=6.0).to_dict(),
                                                  "reference": {"type": "ReferenceMotion", "source": "summary only"}}})
    assert (run.stair_fit, run.level_approach, run.body, run.reward_weights.k_pose_per_rad2) == (True, True, body, 6.0)
    assert run.reference is None
    cfg = _full_config()
    assert env_config_from_sidecar({"env_config": cfg.to_dict(), "env_options": {"stair_fit": True}}).stair_fit is False


def test_the_3d_body_model_is_one_field_and_round_trips_with_its_reward_weights():
    from rl_gait.envs.walk3d import Reward3DWeights

    cfg = WalkEnvConfig(body_model="3d")
    assert cfg.reward_weights == Reward3DWeights() and cfg.env_id == "rl_gait/LevelWalk-v0"
    assert WalkEnvConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    env = gym.make(cfg.env_id, config=cfg)
    assert env.observation_space.shape == (102,)
    env.close()
    with pytest.raises(ValueError, match="does not implement"):
        WalkEnvConfig(body_model="3d", max_retreat_m=0.5).walk3d_kwargs()
    assert WalkEnvConfig(body_model="3d", swing_clearance_m=0.015).walk3d_kwargs()["swing_clearance_m"] == 0.015
    assert cfg.lumbar_locked and env.unwrapped.model.neq == 2  # a rigid trunk by default: two joint equalities
    free = cfg.replace(lumbar_locked=False)
    assert WalkEnvConfig.from_dict(json.loads(json.dumps(free.to_dict()))) == free
    assert gym.make(free.env_id, config=free).unwrapped.model.neq == 0
