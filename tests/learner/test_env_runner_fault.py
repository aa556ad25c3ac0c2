"""An EnvRunner killed mid-training: the iteration goes on with the other runner, the dead one is replaced
(``restart_failed_env_runners``), and training reaches its budget."""

from __future__ import annotations

import time

import pytest

from rl_gait.envs.config import WalkEnvConfig
from rl_gait.learner.config import ENV_RUNNER_RESTART_DELAY_S, build_config


@pytest.fixture(scope="module")
def ray_session():
    import ray

    from rl_gait.learner.ray_session import start_ray

    start_ray(num_cpus=2)
    yield
    ray.shutdown()


def test_killed_env_runner_is_replaced_and_training_finishes(ray_session):
    import ray

    cfg = build_config(mode="physics-only", env=WalkEnvConfig(episode_duration_s=2.0), seed=5, num_env_runners=2,
                       num_envs_per_env_runner=1, train_batch_size=200, minibatch_size=100, num_epochs=1)
    assert cfg.restart_failed_env_runners and cfg.delay_between_env_runner_restarts_s == ENV_RUNNER_RESTART_DELAY_S
    algo = cfg.build_algo()
    try:
        algo.train()
        group = algo.env_runner_group
        victim = next(iter(group._worker_manager.actors().values()))
        ray.kill(victim, no_restart=False)  # its process dies, as on a crash or a lost node; Ray may start it again
        steps, after_kill = 0, 0
        deadline = time.monotonic() + 60
        while after_kill < 2 or group.num_healthy_remote_workers() < 2:
            result = algo.train()  # never raises: the failure is noticed, sampling goes on with the other runner
            steps = result["num_env_steps_sampled_lifetime"]
            after_kill += 1
            assert time.monotonic() < deadline, f"runner not back: {group.num_healthy_remote_workers()} healthy"
        assert group.num_remote_worker_restarts() >= 1 and group.num_healthy_remote_workers() == 2
        assert steps >= (1 + after_kill) * 200 * 0.9, "every iteration sampled its batch"
    finally:
        algo.stop()
