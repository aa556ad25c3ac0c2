"""The numpy actor: hand-computed numbers, the shipped policies' torch forward, and the fall-back to torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rl_gait.learner.activations import SigmoidTanh
from rl_gait.learner.numpy_actor import NumpyActor, _compile_mlp, diag_gaussian_logp, numpy_actor


def _linear(w: list[list[float]], b: list[float]) -> torch.nn.Linear:
    layer = torch.nn.Linear(len(w[0]), len(w))
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w))
        layer.bias.copy_(torch.tensor(b))
    return layer


def test_a_two_layer_mlp_by_hand():
    # x = [1, 2]; h = tanh([1·1 + 2·0 + 0, 1·0.5 + 2·(−1) + 0.5]) = tanh([1, −1]) = [0.761594, −0.761594]
    # out = [2·h0 − h1 + 0.1] = [2.384783]
    seq = torch.nn.Sequential(_linear([[1.0, 0.0], [0.5, -1.0]], [0.0, 0.5]), SigmoidTanh(),
                              _linear([[2.0, -1.0]], [0.1]))
    actor = NumpyActor(_compile_mlp(seq), action_dim=1)
    out = actor.mean(np.array([[1.0, 2.0]], np.float32))
    assert out.dtype == np.float32 and out.shape == (1, 1)
    assert out[0, 0] == pytest.approx(3 * np.tanh(1.0) + 0.1, abs=1e-6)


def test_relu_and_the_caller_s_observation_is_not_changed():
    seq = torch.nn.Sequential(torch.nn.ReLU(), _linear([[1.0, 1.0]], [0.0]))
    actor = NumpyActor(_compile_mlp(seq), action_dim=1)
    obs = np.array([[-1.0, 3.0]], np.float32)
    assert actor.mean(obs)[0, 0] == pytest.approx(3.0)
    np.testing.assert_array_equal(obs, [[-1.0, 3.0]])


def test_an_unknown_layer_keeps_torch():
    assert _compile_mlp(torch.nn.Sequential(_linear([[1.0]], [0.0]), torch.nn.GELU())) is None
    assert numpy_actor(object(), 6) is None


@pytest.mark.parametrize("which", ["planar", "3d"])
def test_the_shipped_policies_mean_matches_torch(which):
    from ray.rllib.core.columns import Columns

    from rl_gait.learner import load_policy
    from rl_gait.learner.checkpoint import atlas_policy_dir

    policy = load_policy(atlas_policy_dir(body_model=which))
    assert policy._numpy_actor is not None
    obs = np.random.default_rng(0).normal(size=(64, policy.module.observation_space.shape[0])).astype(np.float32)
    with torch.no_grad():
        dist = policy.module._forward_inference({Columns.OBS: torch.from_numpy(obs)})[Columns.ACTION_DIST_INPUTS]
    expected = np.clip(dist.numpy()[:, : policy.action_dim], -1, 1)
    np.testing.assert_allclose(policy.act(obs), expected, atol=2e-6)
    np.testing.assert_allclose(policy.act(obs[3]), expected[3], atol=2e-6)


def test_diag_gaussian_logp_by_hand():
    # action 1 at mean 0, σ = 1: −1/2 − 0 − log √(2π) = −1.418939; action 0 at mean 0, σ = 2: −0 − ln 2 − 0.918939
    # = −1.612086; the sum −3.031025 nats
    logp = diag_gaussian_logp(np.array([[1.0, 0.0]], np.float32), np.zeros((1, 2), np.float32),
                              np.array([[0.0, np.log(2.0)]], np.float32))
    assert logp.shape == (1,) and logp[0] == pytest.approx(-3.031025, abs=1e-5)
