"""Migrating an older policy (15-cm terrain sampling, state-dependent log std) keeps its deterministic actions."""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.envs.walk import HEIGHT_SAMPLES_X_M, LEGACY_HEIGHT_SAMPLES_X_M, OBSERVATION_DIM
from rl_gait.errors import CheckpointError
from rl_gait.learner.migrate import free_log_std_head, migrate_policy, widen_input_columns

N_KEPT = OBSERVATION_DIM - len(HEIGHT_SAMPLES_X_M)
V1_DIM = N_KEPT + len(LEGACY_HEIGHT_SAMPLES_X_M)


def test_widened_columns_by_hand():
    """2 kept inputs + samples at 0.1/0.3/0.5 m → samples every 0.1 m: old columns at their positions, zeros between."""
    w = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]])
    got = widen_input_columns(w, 2, np.array([0.1, 0.3, 0.5]), np.array([0.1, 0.2, 0.3, 0.4, 0.5]))
    np.testing.assert_array_equal(got, [[1, 2, 3, 0, 4, 0, 5], [6, 7, 8, 0, 9, 0, 10]])
    x_old = np.array([0.5, -1.0, 0.2, 0.4, 0.6])
    x_new = np.array([0.5, -1.0, 0.2, 123.0, 0.4, -7.0, 0.6])  # anything at the new positions
    assert got @ x_new == pytest.approx(w @ x_old)
    with pytest.raises(ValueError, match="0.3"):  # dropping an old position would lose what it saw
        widen_input_columns(w, 2, np.array([0.1, 0.3, 0.5]), np.array([0.1, 0.5, 0.7]))


def test_the_current_sampling_contains_every_version_1_position_every_5_cm():
    assert set(np.round(LEGACY_HEIGHT_SAMPLES_X_M, 6)) <= set(np.round(HEIGHT_SAMPLES_X_M, 6))
    np.testing.assert_allclose(np.diff(HEIGHT_SAMPLES_X_M)[np.diff(HEIGHT_SAMPLES_X_M) < 0.06], 0.05)
    assert 0.0 not in HEIGHT_SAMPLES_X_M  # the ground under the pelvis relative to itself is always 0


def test_free_log_std_head_keeps_the_mean_rows_by_hand():
    w = np.arange(8.0).reshape(4, 2)  # 2 actions: rows 0-1 means, rows 2-3 log stds
    got = free_log_std_head(w, np.array([1.0, 2.0, 3.0, 4.0]), np.array([-1.5, -2.0]))
    np.testing.assert_array_equal(got["pi.net.mlp.0.weight"], [[0, 1], [2, 3]])
    np.testing.assert_array_equal(got["pi.net.mlp.0.bias"], [1, 2])
    np.testing.assert_array_equal(got["pi.log_std"], [-1.5, -2.0])
    with pytest.raises(ValueError):
        free_log_std_head(w, np.zeros(4), np.zeros(3))


@pytest.fixture(scope="module")
def v1_checkpoint(tmp_path_factory):
    """A policy module of the first format (47 observations, log std a network output), saved as rl-gait
    writes checkpoints."""
    import gymnasium as gym
    import torch
    from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    from rl_gait.learner.checkpoint import POLICY_MODULE_ID, RL_MODULE_SUBPATH, write_sidecar
    from rl_gait.learner.config import POLICY_MODEL

    torch.manual_seed(0)
    module = RLModuleSpec(module_class=DefaultPPOTorchRLModule,
                          observation_space=gym.spaces.Box(-np.inf, np.inf, (V1_DIM,), np.float32),
                          action_space=gym.spaces.Box(-1.0, 1.0, (6,), np.float32),
                          model_config={**POLICY_MODEL, "free_log_std": False}).build()
    out = tmp_path_factory.mktemp("v1")
    module.save_to_path(str(out / RL_MODULE_SUBPATH / POLICY_MODULE_ID))
    write_sidecar(out, {"patient_id": "v1", "command": "test"})
    return out


def test_an_old_policy_is_refused_with_the_migration_command(v1_checkpoint):
    from rl_gait.learner.checkpoint import load_policy

    with pytest.raises(CheckpointError, match="rl_gait.learner.migrate"):
        load_policy(v1_checkpoint)


def test_migration_keeps_actions_and_records_its_source(v1_checkpoint, tmp_path):
    from rl_gait.learner.checkpoint import Policy, load_legacy_module, load_policy, read_sidecar

    dst = migrate_policy(v1_checkpoint, tmp_path / "v2", command="cmd")
    old, new = Policy(load_legacy_module(v1_checkpoint)), load_policy(dst)
    assert not list(dst.rglob("*.pkl"))  # the migrated checkpoint holds no pickle
    assert new.module.observation_space.shape == (OBSERVATION_DIM,)
    rng = np.random.default_rng(1)
    obs = rng.normal(size=(8, OBSERVATION_DIM)).astype(np.float32)
    at_old = [int(np.flatnonzero(np.isclose(HEIGHT_SAMPLES_X_M, x))[0]) for x in LEGACY_HEIGHT_SAMPLES_X_M]
    obs_v1 = np.concatenate([obs[:, :N_KEPT], obs[:, N_KEPT:][:, at_old]], axis=1)
    np.testing.assert_allclose(new.act(obs), old.act(obs_v1), atol=1e-5)
    side = read_sidecar(dst)
    assert side["migrated"]["from_files_sha256"] == read_sidecar(v1_checkpoint).files_sha256
    assert side["migrated"]["command"] == "cmd" and side["patient_id"] == "v1" and "storage" in side["migrated"]
    # the free log std: the old head's log-std outputs averaged over the policy's own level walk
    log_std = np.array(side["migrated"]["free_log_std"]["log_std"])
    np.testing.assert_allclose(new.module.get_state()["pi.log_std"], log_std, rtol=1e-6)
    import torch
    from ray.rllib.core.columns import Columns

    with torch.no_grad():  # the noise no longer depends on the state: every row carries the free log std
        dist = new.module.forward_inference({Columns.OBS: torch.from_numpy(obs)})[Columns.ACTION_DIST_INPUTS].numpy()
    np.testing.assert_allclose(dist[:, 6:], np.broadcast_to(log_std, (8, 6)), rtol=1e-6)
    np.testing.assert_allclose(side["migrated"]["free_log_std"]["std"], np.exp(log_std), rtol=1e-6)
    with pytest.raises(CheckpointError, match="already in the current format"):
        migrate_policy(dst, tmp_path / "again")


def test_migration_in_place_replaces_the_checkpoint_only_when_done(v1_checkpoint, tmp_path):
    import shutil

    from rl_gait.learner.checkpoint import load_policy

    ckpt = tmp_path / "ckpt"
    shutil.copytree(v1_checkpoint, ckpt)
    assert migrate_policy(ckpt, ckpt) == ckpt
    assert load_policy(ckpt).module.observation_space.shape == (OBSERVATION_DIM,)
    assert not (tmp_path / "ckpt.migrating").exists()
