"""PipelinedPPO: one batch per iteration, sampled by the weights one update behind the learner's."""

from __future__ import annotations

import pytest

from rl_gait.envs.config import WalkEnvConfig


@pytest.fixture(scope="module")
def ray_session():
    import ray

    from rl_gait.learner.ray_session import start_ray

    start_ray(num_cpus=2)
    yield
    ray.shutdown()


def test_the_runner_samples_the_next_batch_with_the_weights_one_update_behind(ray_session):
    from ray.rllib.utils.metrics import WEIGHTS_SEQ_NO

    from rl_gait.learner import build_config
    from rl_gait.learner.pipelined import IMPORTANCE_WEIGHT_MEAN, PipelinedPPO

    cfg = build_config(mode="physics-only", env=WalkEnvConfig(episode_duration_s=1.0), num_env_runners=1,
                       num_envs_per_env_runner=2, train_batch_size=256, minibatch_size=128, num_epochs=1,
                       pipelined=True)
    algo = cfg.build_algo()
    try:
        assert isinstance(algo, PipelinedPPO)
        lifetime, weights = [], []
        for _ in range(3):
            result = algo.train()
            lifetime.append(result["env_runners"]["num_env_steps_sampled_lifetime"])
            weights.append(result["learners"]["default_policy"].get(IMPORTANCE_WEIGHT_MEAN))
        # decoupled PPO ran on every lagged batch: weights of a policy one small update away, near 1
        assert all(w is not None and 0.5 < float(w) <= 2.0 for w in weights[1:]), weights
        # one batch of 256 per iteration (the first one sampled before the pipeline starts)
        assert [b - a for a, b in zip(lifetime, lifetime[1:], strict=False)] == [pytest.approx(256, abs=2)] * 2
        episodes, _ = algo._collect_batch()  # the batch in flight, for the next update
        sampled_with = {int(s) for e in episodes for s in e.get_extra_model_outputs(WEIGHTS_SEQ_NO)}
        runner_now = algo.env_runner_group.foreach_env_runner(lambda r: r._weights_seq_no, local_env_runner=False)
        assert sum(len(e) for e in episodes) == pytest.approx(256, abs=2)
        assert sampled_with == {runner_now[0] - 1}  # sampled before the last update's weights arrived: a lag of one
    finally:
        algo.stop()


def test_the_synchronous_iteration_has_no_lag(ray_session):
    """``pipelined=False``: a remote runner's batch is sampled by the weights of the last update (no lag)."""
    from ray.rllib.utils.metrics import WEIGHTS_SEQ_NO

    from rl_gait.learner import build_config

    cfg = build_config(mode="physics-only", env=WalkEnvConfig(episode_duration_s=1.0), num_env_runners=1,
                       num_envs_per_env_runner=2, train_batch_size=256, minibatch_size=128, num_epochs=1,
                       pipelined=False)
    assert cfg.rl_gait_pipelined is False and build_config(mode="physics-only", env=WalkEnvConfig()).rl_gait_pipelined
    algo = cfg.build_algo()
    try:
        for _ in range(2):
            algo.train()
        assert not algo._sampling_in_flight
        runner_now = algo.env_runner_group.foreach_env_runner(lambda r: r._weights_seq_no, local_env_runner=False)
        episodes = algo.env_runner_group.foreach_env_runner(lambda r: r.sample(num_timesteps=64),
                                                            local_env_runner=False)[0]
        sampled_with = {int(s) for e in episodes for s in e.get_extra_model_outputs(WEIGHTS_SEQ_NO)}
        assert sampled_with == {runner_now[0]}
    finally:
        algo.stop()


def test_without_remote_runners_it_is_rllibs_ppo_iteration(ray_session):
    from rl_gait.learner import build_config

    cfg = build_config(mode="physics-only", env=WalkEnvConfig(episode_duration_s=1.0), num_env_runners=0,
                       num_envs_per_env_runner=2, train_batch_size=128, minibatch_size=128, num_epochs=1)
    algo = cfg.build_algo()
    try:
        steps = [algo.train()["env_runners"]["num_env_steps_sampled_lifetime"] for _ in range(2)]
        assert not algo._sampling_in_flight and steps[1] - steps[0] == pytest.approx(128, abs=2)
    finally:
        algo.stop()


def test_a_warm_start_reaches_the_remote_env_runners_before_they_sample(ray_session):
    import numpy as np

    from rl_gait.learner import ImitationParams, build_config

    cfg = build_config(mode="hybrid", env=WalkEnvConfig(episode_duration_s=1.0), num_env_runners=1,
                       num_envs_per_env_runner=1, train_batch_size=128, minibatch_size=128, num_epochs=1,
                       imitation=ImitationParams(bc_batch_size=32, disc_hidden=(16,)))  # warm start: the atlas policy
    algo = cfg.build_algo()
    try:
        learner = algo.learner_group.get_state(components="learner/rl_module/default_policy", inference_only=True)
        learner = learner["learner"]["rl_module"]["default_policy"]
        runner = algo.env_runner_group.foreach_env_runner(
            lambda r: r.module.get_state(inference_only=True), local_env_runner=False)[0]
        assert learner.keys() == runner.keys()
        for key, value in learner.items():
            np.testing.assert_array_equal(np.asarray(runner[key]), np.asarray(value), err_msg=key)
    finally:
        algo.stop()


def test_the_proximal_connector_takes_ratio_and_kl_about_the_update_start_and_reweights_advantages():
    """Decoupled PPO: behaviour log-probabilities and distribution inputs are replaced by the module's own (the
    weights the update starts from), the advantages scaled by min(π_prox / π_behaviour, 2)."""
    import gymnasium as gym
    import numpy as np
    import torch
    from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule
    from ray.rllib.core import DEFAULT_MODULE_ID
    from ray.rllib.core.columns import Columns

    from rl_gait.learner.pipelined import IMPORTANCE_WEIGHT_MEAN, ProximalPolicyConnector

    torch.manual_seed(0)
    module = DefaultPPOTorchRLModule(observation_space=gym.spaces.Box(-np.inf, np.inf, (4,), np.float32),
                                     action_space=gym.spaces.Box(-1.0, 1.0, (2,), np.float32),
                                     model_config={"fcnet_hiddens": [8], "fcnet_activation": "tanh",
                                                   "vf_share_layers": False, "free_log_std": True})
    obs, actions = torch.randn(5, 4), torch.rand(5, 2) * 2 - 1
    with torch.no_grad():
        inputs = module.forward_train({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS]
        logp = module.get_exploration_action_dist_cls().from_logits(inputs).logp(actions)
    offsets = torch.tensor([0.0, np.log(2.0), -np.log(4.0), np.log(3.0), 0.5], dtype=torch.float32)  # log π_prox − log π_behaviour
    batch = {DEFAULT_MODULE_ID: {Columns.OBS: obs, Columns.ACTIONS: actions, Columns.ACTION_LOGP: logp - offsets,
                                 Columns.ACTION_DIST_INPUTS: torch.zeros_like(inputs),
                                 Columns.ADVANTAGES: torch.tensor([1.0, -1.0, 2.0, 1.0, -0.5])}}

    class Metrics:
        logged: dict = {}

        def log_value(self, key, value, window=None):
            self.logged[key] = value

    metrics = Metrics()
    out = ProximalPolicyConnector()(rl_module={DEFAULT_MODULE_ID: module}, batch=batch, episodes=[], metrics=metrics)
    b = out[DEFAULT_MODULE_ID]
    weights = [1.0, 2.0, 0.25, 2.0, float(np.exp(0.5))]  # exp(offsets), truncated at 2
    np.testing.assert_allclose(b[Columns.ADVANTAGES].numpy(), np.array([1.0, -1.0, 2.0, 1.0, -0.5]) * weights,
                               rtol=1e-5)
    torch.testing.assert_close(b[Columns.ACTION_LOGP], logp)
    torch.testing.assert_close(b[Columns.ACTION_DIST_INPUTS], inputs)
    assert metrics.logged[(DEFAULT_MODULE_ID, IMPORTANCE_WEIGHT_MEAN)] == pytest.approx(np.mean(weights), rel=1e-5)
