"""Loss functions against hand-computed numbers, and two tiny learning checks (no Ray needed)."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch

from rl_gait.learner import losses as L
from rl_gait.learner.discriminator import StyleDiscriminator


def test_bc_mse_loss_hand_example():
    # rows: (0.5-0)^2 + (0-1)^2 = 1.25 ; (0-0)^2 + (2-0)^2 = 4 -> mean 2.625
    mean = torch.tensor([[0.5, 0.0], [0.0, 2.0]])
    target = torch.tensor([[0.0, 1.0], [0.0, 0.0]])
    assert L.bc_mse_loss(mean, target).item() == pytest.approx(2.625)


def test_discriminator_bce_hand_example():
    # logits 0 everywhere: 0.5 (ln2 + ln2) = ln 2
    z = torch.zeros(4)
    assert L.discriminator_bce_loss(z, z).item() == pytest.approx(math.log(2.0))
    # expert logit 2 -> softplus(-2) = 0.126928 ; policy logit -1 -> softplus(-1) = 0.313262 ; mean = 0.220095
    assert L.discriminator_bce_loss(torch.tensor([2.0]), torch.tensor([-1.0])).item() == pytest.approx(0.220095,
                                                                                                      abs=1e-6)


def test_gradient_penalty_of_linear_discriminator_is_weight_norm():
    # logits = x @ w with w = (3, 4): d logit / dx = w, |w|^2 = 25 for every sample
    w = torch.tensor([3.0, 4.0])
    x = torch.randn(5, 2, generator=torch.Generator().manual_seed(0)).requires_grad_(True)
    assert L.gradient_penalty(x @ w, x).item() == pytest.approx(25.0)


def test_gail_reward_and_mixing_and_accuracy():
    # softplus(0) = ln 2 ; softplus(3) = 3.048587 ; softplus(-3) = 0.048587
    r = L.gail_style_reward(torch.tensor([0.0, 3.0, -3.0]))
    np.testing.assert_allclose(r.numpy(), [math.log(2), 3.048587, 0.048587], atol=1e-6)
    # 1.0*2 + 0.5*4 = 4
    assert L.mix_rewards(torch.tensor([2.0]), torch.tensor([4.0]), task_weight=1.0, style_weight=0.5).item() == 4.0
    logits = torch.tensor([1.0, -1.0, 2.0, -0.5])
    assert L.discriminator_accuracy(logits, labels_expert_is_one=True).item() == 0.5
    assert L.discriminator_accuracy(logits, labels_expert_is_one=False).item() == 0.5


def _discriminator(n_style: int = 3) -> StyleDiscriminator:
    space = gym.spaces.Box(-np.inf, np.inf, (n_style + 2,), np.float32)
    return StyleDiscriminator(observation_space=space, action_space=gym.spaces.Box(-1, 1, (2,)), model_config=dict(
        style_start=2, style_stop=2 + n_style, feature_mean=[0.0] * 2 * n_style, feature_std=[1.0] * 2 * n_style,
        hidden=[32, 32]))


def test_discriminator_loss_falls_on_separable_data_within_a_few_steps():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    disc = _discriminator()
    expert_obs = torch.randn(256, 5, generator=g) + 2.0  # style block centred at +2
    policy_obs = torch.randn(256, 5, generator=g) - 2.0  # ... and at -2
    opt = torch.optim.Adam(disc.parameters(), lr=1e-2)
    history = []
    for _ in range(5):
        fe = disc.transition_features(expert_obs, expert_obs).requires_grad_(True)
        le = disc.logits_from_features(fe)
        lp = disc.logits_from_features(disc.transition_features(policy_obs, policy_obs))
        loss = L.discriminator_bce_loss(le, lp) + 0.1 * L.gradient_penalty(le, fe)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(L.discriminator_bce_loss(le, lp).item())
    assert history[-1] < history[0] - 0.1, history
    with torch.no_grad():
        le = disc.logits_from_features(disc.transition_features(expert_obs, expert_obs))
    assert L.discriminator_accuracy(le, labels_expert_is_one=True).item() > 0.95


def test_bc_alone_reduces_action_error_of_the_ppo_policy_module():
    from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule
    from ray.rllib.core.columns import Columns

    torch.manual_seed(0)
    obs_space = gym.spaces.Box(-np.inf, np.inf, (8,), np.float32)
    act_space = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
    module = DefaultPPOTorchRLModule(observation_space=obs_space, action_space=act_space,
                                     model_config={"fcnet_hiddens": [64, 64], "fcnet_activation": "tanh"})
    g = torch.Generator().manual_seed(2)
    obs = torch.randn(512, 8, generator=g)
    target = torch.tanh(obs[:, :3] - 0.5 * obs[:, 3:6])  # a smooth expert mapping in [-1, 1]

    def action_error() -> float:
        with torch.no_grad():
            mean = module.forward_train({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS][:, :3]
        return L.bc_mse_loss(mean, target).item()

    before = action_error()
    opt = torch.optim.Adam(module.parameters(), lr=3e-3)
    for _ in range(60):
        mean = module.forward_train({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS][:, :3]
        loss = L.bc_mse_loss(mean, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = action_error()
    assert after < 0.3 * before, (before, after)


def test_anchor_mse_loss_hand_example():
    # per sample: (1-0)^2 + 0 = 1 ; 0 + (0-2)^2 = 4
    policy = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    anchor = torch.tensor([[0.0, 0.0], [0.0, 2.0]])
    assert L.anchor_mse_loss(policy, anchor, torch.tensor([1.0, 1.0])).item() == pytest.approx(2.5)
    assert L.anchor_mse_loss(policy, anchor, torch.tensor([1.0, 0.0])).item() == pytest.approx(1.0)
    # weights 1 and 3: (1·1 + 3·4) / 2 anchored samples
    assert L.anchor_mse_loss(policy, anchor, torch.tensor([1.0, 3.0])).item() == pytest.approx(6.5)
    # a zero weight drops the sample from the count too: 3·4 / 1
    assert L.anchor_mse_loss(policy, anchor, torch.tensor([0.0, 3.0])).item() == pytest.approx(12.0)
    assert L.anchor_mse_loss(policy, anchor, torch.zeros(2)).item() == 0.0


def test_terrain_class_codes_hand_blocks():
    rad = math.radians
    blocks = torch.tensor([
        [1, 0, 0, 0.0, 0.0, 1.2],          # level
        [0, 1, 0, rad(5), 0.0, 1.0],       # slope up 5 deg
        [0, 1, 0, 0.0, 0.0, 1.0],          # slope 0 deg counts as up, as Task.name does
        [0, 1, 0, -rad(10), 0.0, 1.0],     # slope down
        [0, 0, 1, 0.0, 0.12, 0.5],         # stairs up 12 cm
        [0, 0, 1, 0.0, -0.08, 0.5],        # stairs down 8 cm
    ], dtype=torch.float32)
    assert L.terrain_class_codes(blocks).tolist() == [0, 1, 1, 2, 3, 4]
    # stairs up (3) free, stairs down (4) anchored 4x
    assert L.anchor_sample_weights(blocks, torch.tensor([1.0, 1, 1, 0, 4])).tolist() == [1, 1, 1, 1, 0, 4]
    assert L.anchor_sample_weights(blocks, torch.ones(5)).tolist() == [1] * 6


def test_terrain_class_codes_read_the_env_task_block_of_every_family():
    from rl_gait.curriculum import FAMILIES, default_levels
    from rl_gait.envs.walk import WalkEnv

    env = WalkEnv()
    task_block = env.observation_structure["task"]
    for family, tasks in default_levels().items():
        for task in (tasks[0], tasks[-1]):
            env.set_task(task)
            obs, _ = env.reset(seed=0)
            code = L.terrain_class_codes(torch.as_tensor(obs[None, task_block])).item()
            assert FAMILIES[code] == family, task.name
    env.close()


def test_decoupled_ppo_weights_hand_example():
    # π_prox / π_behaviour: 0.5 / 0.25 = 2, 0.2 / 0.4 = 0.5, 0.9 / 0.3 = 3 -> truncated at 2; equal policies -> 1
    prox = torch.log(torch.tensor([0.5, 0.2, 0.9, 0.7]))
    behaviour = torch.log(torch.tensor([0.25, 0.4, 0.3, 0.7]))
    w = L.decoupled_ppo_weights(prox, behaviour, max_weight=2.0)
    np.testing.assert_allclose(w.numpy(), [2.0, 0.5, 2.0, 1.0], rtol=1e-6)
    # scaling the advantage by w > 0 is the weighted clipped surrogate: w·min(r·A, clip(r)·A) = min(r·wA, clip(r)·wA)
    r, a = torch.tensor([1.5, 0.6, 1.1, 1.0]), torch.tensor([1.0, -2.0, 0.5, -1.0])

    def surrogate(adv):
        return torch.minimum(r * adv, r.clamp(0.8, 1.2) * adv)

    torch.testing.assert_close(w * surrogate(a), surrogate(w * a))
