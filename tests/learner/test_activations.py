"""SigmoidTanh: tanh through the logistic function, its gradient, and the catalog that builds policies with it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rl_gait.learner.activations import GaitPPOCatalog, SigmoidTanh, sigmoid_tanh


def test_sigmoid_tanh_hand_values_and_gradient():
    x = torch.tensor([0.0, 0.5, -1.0, 3.0, -20.0], requires_grad=True)
    y = sigmoid_tanh(x)
    # tanh 0 = 0, tanh 0.5 = 0.462117, tanh(-1) = -0.761594, tanh 3 = 0.995055, tanh(-20) = -1
    np.testing.assert_allclose(y.detach().numpy(), [0.0, 0.462117, -0.761594, 0.995055, -1.0], atol=2e-6)
    y.sum().backward()
    # d tanh / dx = 1 - tanh^2: 1, 0.786448, 0.419974, 0.009866, 0
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.786448, 0.419974, 0.009866, 0.0], atol=2e-6)
    assert torch.autograd.gradcheck(sigmoid_tanh, (torch.randn(6, 3, dtype=torch.float64, requires_grad=True),))


def test_sigmoid_tanh_matches_torch_tanh_in_float32():
    x = torch.randn(2000, 64, generator=torch.Generator().manual_seed(0)) * 4
    assert (sigmoid_tanh(x) - torch.tanh(x)).abs().max().item() < 5e-7
    assert float(sigmoid_tanh(torch.tensor(math.inf))) == 1.0 and float(sigmoid_tanh(torch.tensor(-math.inf))) == -1.0


def test_the_catalog_builds_the_same_network_as_ppos_with_sigmoid_tanh():
    from rl_gait.learner.checkpoint import build_policy_module, read_policy, set_policy_state

    arch, state, _ = read_policy("rl_gait/data/atlas_policy")  # saved by the PPOCatalog
    assert arch["catalog_class"] == "PPOCatalog" and arch["model_config"]["fcnet_activation"] == "tanh"
    modules = {}
    for catalog in ("PPOCatalog", "GaitPPOCatalog"):
        modules[catalog] = build_policy_module({**arch, "catalog_class": catalog}, "atlas_policy")
        set_policy_state(modules[catalog], state, "atlas_policy")  # the same parameter names and shapes
    fast = modules["GaitPPOCatalog"]
    assert isinstance(fast.catalog, GaitPPOCatalog)
    acts = [m for m in fast.modules() if isinstance(m, SigmoidTanh | torch.nn.Tanh)]
    assert len(acts) == 4 and all(isinstance(m, SigmoidTanh) for m in acts)  # actor and critic, two layers each
    from ray.rllib.core.columns import Columns

    obs = torch.randn(256, arch["observation_space"]["shape"][0], generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        a, b = (m.forward_train({Columns.OBS: obs}) for m in modules.values())
    torch.testing.assert_close(b[Columns.ACTION_DIST_INPUTS], a[Columns.ACTION_DIST_INPUTS], atol=5e-6, rtol=0)
    torch.testing.assert_close(b[Columns.EMBEDDINGS], a[Columns.EMBEDDINGS], atol=5e-5, rtol=0)


@pytest.mark.parametrize("mode", ["physics-only", "hybrid"])
def test_training_configs_build_policies_with_the_catalog(mode):
    from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec

    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.learner import build_config

    cfg = build_config(mode=mode, env=WalkEnvConfig(), num_env_runners=0, warm_start=None)
    spec = cfg._rl_module_spec
    policy = spec.rl_module_specs["default_policy"] if isinstance(spec, MultiRLModuleSpec) else spec
    assert policy.catalog_class is GaitPPOCatalog
