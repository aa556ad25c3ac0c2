"""1–2 training iterations on the real LevelWalk env in both modes; checkpoint round-trip and tampering.

Tiny batches keep this fast; learning to walk is covered by the slow test and the recorded runs.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rl_gait.envs.config import WalkEnvConfig
from rl_gait.errors import CheckpointError
from rl_gait.learner.params import Budget, ImitationParams

TINY = dict(train_batch_size=256, minibatch_size=128, num_epochs=1, num_envs_per_env_runner=1)
TINY_BUDGET = Budget("tiny", env_steps=256, wall_time_s=120.0, eval_every_iters=1, eval_rollouts=1,
                     eval_duration_s=1.0)


@pytest.fixture(scope="module")
def ray_session():
    import ray

    from rl_gait.learner.ray_session import start_ray

    start_ray(num_cpus=2)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def hybrid_run(ray_session, tmp_path_factory):
    from rl_gait.learner import build_config, train

    out = tmp_path_factory.mktemp("hybrid")
    cfg = build_config(mode="hybrid", env=WalkEnvConfig(), imitation=ImitationParams(bc_batch_size=64,
                       disc_hidden=(32, 32)), seed=3, **TINY)
    return train(cfg, budget=TINY_BUDGET, out_dir=out, progress=False, patient_id="p001"), out


def test_hybrid_iteration_logs_imitation_metrics_and_writes_outputs(hybrid_run):
    result, out = hybrid_run
    assert result.steps >= 256 and result.iterations == 1
    rows = result.training_csv.read_text().splitlines()
    header = rows[0].split(",")
    values = dict(zip(header, rows[1].split(","), strict=True))
    for key in ("bc_loss", "disc_loss", "disc_accuracy_expert", "disc_accuracy_policy", "style_reward_mean"):
        assert math.isfinite(float(values[key])), key
    assert 0.0 <= float(values["disc_accuracy_expert"]) <= 1.0
    meta = json.loads((result.checkpoint_dir / "rl_gait.json").read_text())
    for key in ("patient_id", "env_id", "env_version", "body", "pd", "mode", "config", "steps", "wall_s",
                "fidelity", "package_version", "git_sha", "files_sha256", "imitation", "env_config"):
        assert key in meta, key
    assert meta["mode"] == "hybrid" and meta["patient_id"] == "p001" and meta["env_id"] == "rl_gait/LevelWalk-v0"
    assert 0.0 <= meta["fidelity"]["fall_rate"] <= 1.0
    assert (result.checkpoint_dir / "learner_group/learner/rl_module/style_discriminator").is_dir()


def test_checkpoint_round_trip_gives_identical_deterministic_actions(hybrid_run):
    import gymnasium as gym

    from rl_gait.learner import load_policy

    result, out = hybrid_run
    a, b = load_policy(out), load_policy(result.checkpoint_dir)
    env = gym.make("rl_gait/LevelWalk-v0")
    obs, _ = env.reset(seed=0)
    batch = np.stack([obs, obs * 0.5])
    np.testing.assert_array_equal(a.act(batch), b.act(batch))
    assert a.act(obs).shape == (6,) and np.all(np.abs(a.act(obs)) <= 1.0)
    # stochastic actions are reproducible from the same rng and differ from the mean
    s1 = a.act(obs, deterministic=False, rng=np.random.default_rng(0))
    s2 = a.act(obs, deterministic=False, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(s1, s2)


def test_tampered_checkpoint_is_refused(hybrid_run, tmp_path):
    import shutil

    from rl_gait.learner import load_policy

    result, _ = hybrid_run
    copy = tmp_path / "ckpt"
    shutil.copytree(result.checkpoint_dir, copy)
    state = next((copy / "learner_group/learner/rl_module/default_policy").glob("module_state*"))
    raw = bytearray(state.read_bytes())
    raw[-10] ^= 0xFF
    state.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="altered"):
        load_policy(copy)
    with pytest.raises(CheckpointError, match="sidecar"):
        load_policy(tmp_path)


def test_physics_only_iteration_has_no_discriminator(ray_session, tmp_path):
    from rl_gait.learner import build_config, load_policy, train

    cfg = build_config(mode="physics-only", env=WalkEnvConfig(), seed=4, **TINY)
    assert cfg.imitation_params is None
    result = train(cfg, budget=TINY_BUDGET, out_dir=tmp_path, progress=False)
    assert result.iterations == 1
    assert not (result.checkpoint_dir / "learner_group/learner/rl_module/style_discriminator").exists()
    header = result.training_csv.read_text().splitlines()[0].split(",")
    row = dict(zip(header, result.training_csv.read_text().splitlines()[1].split(","), strict=True))
    assert math.isnan(float(row["disc_loss"])) and math.isnan(float(row["bc_loss"]))
    assert load_policy(tmp_path).meta["mode"] == "physics-only"


def test_warm_start_initialises_the_policy_from_a_checkpoint(hybrid_run):
    from rl_gait.learner import build_config, load_policy

    _, out = hybrid_run
    cfg = build_config(mode="hybrid", env=WalkEnvConfig(), warm_start=out, seed=9,
                       imitation=ImitationParams(bc_batch_size=64, disc_hidden=(32, 32)), **TINY)
    algo = cfg.build_algo()
    try:
        started = algo.learner_group.get_state(components="learner/rl_module/default_policy")
        started = started["learner"]["rl_module"]["default_policy"]
    finally:
        algo.stop()
    saved = load_policy(out).get_state()
    assert started.keys() == saved.keys()
    for k in saved:
        np.testing.assert_array_equal(np.asarray(started[k]), np.asarray(saved[k]), err_msg=k)


def test_initial_log_std_sets_the_exploration_noise_of_a_random_init_everywhere(ray_session):
    from rl_gait.learner import build_config

    cfg = build_config(mode="physics-only", env=WalkEnvConfig(), seed=5, initial_log_std=-1.0, **TINY)
    algo = cfg.build_algo()
    try:
        learner = algo.learner_group.get_state(components="learner/rl_module/default_policy")
        log_std = np.asarray(learner["learner"]["rl_module"]["default_policy"]["pi.log_std"])
        local = np.asarray(algo.get_module().get_state()["pi.log_std"])  # what evaluations roll out
    finally:
        algo.stop()
    np.testing.assert_array_equal(log_std, np.full(6, -1.0, dtype=np.float32))
    np.testing.assert_array_equal(local, log_std)


def test_the_anchor_is_the_frozen_warm_start_and_its_loss_is_logged(hybrid_run):
    import torch

    from rl_gait.learner import build_config, load_policy

    _, out = hybrid_run
    cfg = build_config(mode="hybrid", env=WalkEnvConfig(), warm_start=out, seed=9,
                       imitation=ImitationParams(bc_batch_size=64, disc_hidden=(32, 32), anchor_coeff=1.0), **TINY)
    algo = cfg.build_algo()
    try:
        result = algo.train()
        learner = algo.learner_group._learner  # local learner (num_learners=0)
        anchor = {k: v.numpy() for k, v in learner._anchor.state_dict().items()}
        trained = learner.module["default_policy"].unwrapped().state_dict()
    finally:
        algo.stop()
    saved = load_policy(out).get_state()
    for k in saved:  # the anchor stays the warm start while the policy moves away from it
        np.testing.assert_array_equal(anchor[k], np.asarray(saved[k]), err_msg=k)
    assert any(not torch.equal(trained[k], torch.as_tensor(saved[k])) for k in saved)
    anchor_loss = result["learners"]["default_policy"]["anchor_loss"]
    assert math.isfinite(anchor_loss) and anchor_loss >= 0.0


def test_anchor_states_reach_the_learner_and_a_bad_file_is_refused(hybrid_run, tmp_path):
    from rl_gait.envs.walk import WalkEnv
    from rl_gait.errors import InputFormatError
    from rl_gait.learner import build_config
    from rl_gait.learner.imitation_learner import load_anchor_states

    _, out = hybrid_run
    env = WalkEnv()
    states = np.stack([env.reset(seed=s)[0] for s in range(8)])
    np.savez(tmp_path / "states.npz", obs=states)
    np.savez(tmp_path / "bad.npz", actions=states)
    with pytest.raises(InputFormatError, match="bad.npz"):
        load_anchor_states(tmp_path / "bad.npz")
    cfg = build_config(mode="hybrid", env=WalkEnvConfig(), warm_start=out, seed=9,
                       anchor_states=tmp_path / "states.npz",
                       imitation=ImitationParams(bc_batch_size=64, disc_hidden=(32, 32), anchor_coeff=1.0,
                                                 anchor_class_weights={"level": 3.0, "stairs_up": 0.0}), **TINY)
    algo = cfg.build_algo()
    try:
        result = algo.train()
        kept, means, weights = algo.learner_group._learner._anchor_states
    finally:
        algo.stop()
    np.testing.assert_array_equal(kept.numpy(), states)
    assert means.shape == (8, env.action_space.shape[0]) and weights.tolist() == [3.0] * 8  # level, weighed 3
    assert math.isfinite(result["learners"]["default_policy"]["anchor_loss"])


def test_the_3d_body_trains_reloads_and_resumes(ray_session, tmp_path):
    """One tiny run on ``body_model="3d"``: its policy reloads (102 observations, checked against the 3D env's,
    not the planar env's 67), and a second run resumed from it counts its env steps on."""
    from rl_gait.learner import build_config, load_policy, train

    def config():
        return build_config(mode="physics-only", env=WalkEnvConfig(body_model="3d"), seed=5, **TINY)

    first = train(config(), budget=TINY_BUDGET, out_dir=tmp_path / "a", progress=False)
    policy = load_policy(tmp_path / "a")
    assert policy.module.observation_space.shape == (102,)
    assert policy.act(np.zeros(102, np.float32)).shape == (14,)
    budget = Budget("tiny2", env_steps=first.steps + 256, wall_time_s=120.0, eval_every_iters=0, eval_rollouts=1,
                    eval_duration_s=1.0)
    second = train(config(), budget=budget, out_dir=tmp_path / "b", progress=False, resume_from=tmp_path / "a")
    assert second.iterations == 1 and second.steps >= first.steps + 256
