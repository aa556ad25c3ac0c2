"""The shipped atlas policy gives the same actions as before the env configuration became one dataclass.

Reference numbers: ``load_policy("rl_gait/data/atlas_policy")`` rolled out on main at 3631bff (the env options,
body and PD the sidecar recorded, read by the functions of that time), 40 deterministic steps from ``reset(seed=7)`` of a
3-s episode. Here the env is the one :func:`env_config_from_sidecar` gives (trunk pitch upright, stairs fitted,
level approach on: what the sidecar's ``env_options`` record).
"""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.tasks import Task

EXPECTED = {  # task → (first action, 40th action, sum of |action| over the 40 steps)
    Task(): ([0.677628, 0.885048, 0.166843, -0.329656, -0.01692, 0.208579],
             [-0.497976, 0.011028, -0.178337, 0.390475, -0.484931, 0.302658], 107.23172760009766),
    Task("stairs", step_height_m=0.12): ([0.955586, 1.0, 0.306259, -0.15954, -0.327734, -0.322141],
                                          [-0.145956, -0.397976, -0.253948, 0.60721, 1.0, -0.159569],
                                          96.94377136230469),
}


@pytest.mark.parametrize("task", list(EXPECTED), ids=lambda t: t.name)
def test_the_shipped_policy_acts_as_before(task):
    from rl_gait.envs.walk import WalkEnv
    from rl_gait.learner import load_policy
    from rl_gait.learner.checkpoint import env_config_from_sidecar
    from rl_gait.learner.config import atlas_policy_dir

    policy = load_policy(atlas_policy_dir())
    config = env_config_from_sidecar(policy.meta)
    assert (config.trunk_pitch, config.stair_fit, config.level_approach) == ("upright", True, True)
    env = WalkEnv(config.for_rollouts(task=task, episode_duration_s=3.0))
    obs, _ = env.reset(seed=7)
    actions = []
    for _ in range(40):
        actions.append(policy.act(obs))
        obs, *_ = env.step(actions[-1])
    first, last, total = EXPECTED[task]
    np.testing.assert_allclose(actions[0], first, atol=2e-6)
    np.testing.assert_allclose(actions[-1], last, atol=1e-4)
    assert float(np.abs(np.array(actions)).sum()) == pytest.approx(total, rel=1e-5)
