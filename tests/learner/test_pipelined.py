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
    from rl_gait.learner.pipelined import PipelinedPPO

    cfg = build_config(mode="physics-only", env=WalkEnvConfig(episode_duration_s=1.0), num_env_runners=1,
                       num_envs_per_env_runner=2, train_batch_size=256, minibatch_size=128, num_epochs=1,
                       pipelined=True)
    algo = cfg.build_algo()
    try:
        assert isinstance(algo, PipelinedPPO)
        lifetime = []
        for _ in range(3):
            lifetime.append(algo.train()["env_runners"]["num_env_steps_sampled_lifetime"])
        # one batch of 256 per iteration (the first one sampled before the pipeline starts)
        assert [b - a for a, b in zip(lifetime, lifetime[1:], strict=False)] == [pytest.approx(256, abs=2)] * 2
        episodes, _ = algo._collect_batch()  # the batch in flight, for the next update
        sampled_with = {int(s) for e in episodes for s in e.get_extra_model_outputs(WEIGHTS_SEQ_NO)}
        runner_now = algo.env_runner_group.foreach_env_runner(lambda r: r._weights_seq_no, local_env_runner=False)
        assert sum(len(e) for e in episodes) == pytest.approx(256, abs=2)
        assert sampled_with == {runner_now[0] - 1}  # sampled before the last update's weights arrived: a lag of one
    finally:
        algo.stop()


def test_by_default_the_iteration_is_synchronous(ray_session):
    """Off by default: a remote runner's batch is sampled by the weights of the last update (no lag)."""
    from ray.rllib.utils.metrics import WEIGHTS_SEQ_NO

    from rl_gait.learner import build_config

    cfg = build_config(mode="physics-only", env=WalkEnvConfig(episode_duration_s=1.0), num_env_runners=1,
                       num_envs_per_env_runner=2, train_batch_size=256, minibatch_size=128, num_epochs=1)
    assert cfg.rl_gait_pipelined is False
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
