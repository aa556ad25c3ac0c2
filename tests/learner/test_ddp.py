"""Distributed data-parallel learning (``num_learners=2``): the hybrid learner's policy AND discriminator
stay identical on both learners after updates (gradients are all-reduced, BC and discriminator terms
included). Two learner actors + one env runner: slow on a 2-core box."""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.envs.config import WalkEnvConfig
from rl_gait.learner.params import ImitationParams


def _values(results) -> list:
    """``foreach_learner`` gives ``RemoteCallResults`` with remote learners: unwrap to plain values."""
    return [r.get() if hasattr(r, "get") and not isinstance(r, dict) else r for r in results]


@pytest.mark.slow
def test_two_ddp_learners_keep_policy_and_discriminator_in_sync():
    import ray

    from rl_gait.learner import build_config
    from rl_gait.learner.discriminator import DISCRIMINATOR_MODULE_ID
    from rl_gait.learner.ray_session import start_ray

    start_ray(num_cpus=3)
    try:
        cfg = build_config(mode="hybrid", env=WalkEnvConfig(), num_learners=2, num_env_runners=0,
                           num_envs_per_env_runner=2, train_batch_size=512, minibatch_size=128, num_epochs=1,
                           imitation=ImitationParams(bc_batch_size=64, disc_hidden=(32, 32)), seed=5)
        algo = cfg.build_algo()
        try:
            before = algo.learner_group.foreach_learner(
                lambda learner: learner.module["default_policy"].unwrapped().get_state())
            result = algo.train()
            states = algo.learner_group.foreach_learner(
                lambda learner: {mid: learner.module[mid].unwrapped().get_state()
                                 for mid in ("default_policy", DISCRIMINATOR_MODULE_ID)})
        finally:
            algo.stop()
    finally:
        ray.shutdown()
    before = _values(before)
    states = _values(states)
    assert len(states) == 2
    assert np.isfinite(result["learners"][DISCRIMINATOR_MODULE_ID]["disc_loss"])
    for mid in ("default_policy", DISCRIMINATOR_MODULE_ID):
        a, b = states[0][mid], states[1][mid]
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_allclose(np.asarray(a[k]), np.asarray(b[k]), rtol=0, atol=1e-6, err_msg=f"{mid}:{k}")
    moved = [k for k in before[0] if not np.allclose(np.asarray(before[0][k]), np.asarray(states[0]["default_policy"][k]))]
    assert moved, "the update did not change the policy"
