"""Env contract: Gymnasium checks, determinism, reward terms, task switching, rendering."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rl_gait  # noqa: F401  (registers the ids)
from rl_gait.envs import ENV_IDS
from rl_gait.tasks import Task

KWARGS = {
    "rl_gait/LevelWalk-v0": {},
    "rl_gait/SlopeWalk-v0": {"grade_deg": -8.0},
    "rl_gait/StairWalk-v0": {"step_height_m": 0.12, "ascending": True},
    "rl_gait/MultiTaskWalk-v0": {},
}


@pytest.fixture(scope="module", params=list(ENV_IDS))
def env(request):
    e = gym.make(request.param, **KWARGS[request.param])
    yield e
    e.close()


def test_check_env(env):
    check_env(env.unwrapped, skip_render_check=True)


def _rollout(env, seed: int, n: int = 60):
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out = [obs]
    rewards = []
    for _ in range(n):
        obs, r, term, trunc, info = env.step(rng.uniform(-1, 1, 6).astype(np.float32))
        out.append(obs)
        rewards.append(r)
        if term or trunc:
            obs, _ = env.reset(seed=seed + 1)
    return np.array(out), np.array(rewards)


def test_same_seed_same_trajectory(env):
    o1, r1 = _rollout(env, seed=3)
    o2, r2 = _rollout(env, seed=3)
    np.testing.assert_array_equal(o1, o2)
    np.testing.assert_array_equal(r1, r2)
    o3, _ = _rollout(env, seed=4)
    assert not np.array_equal(o1, o3)


def test_reward_terms_sum_to_reward(env):
    env.reset(seed=0)
    names = env.unwrapped.weights.term_names
    for _ in range(100):
        _, r, term, trunc, info = env.step(np.zeros(6, np.float32))
        terms = [info[f"reward_{n}"] for n in names]
        assert r == pytest.approx(sum(terms), abs=1e-12)
        assert set(k_ for k_ in info if k_.startswith("reward_")) == {f"reward_{n}" for n in names}
        if term:
            assert r == 0.0 and info["fell"]  # no reward is paid on the step that falls
            break
        if trunc:
            break


def test_observation_structure_covers_observation(env):
    s = env.unwrapped.observation_structure
    assert sum(sl.stop - sl.start for sl in s.values()) == env.observation_space.shape[0]
    obs, _ = env.reset(seed=0)
    task = obs[s["task"]]
    kind = env.unwrapped.task.terrain
    assert task[["level", "slope", "stairs"].index(kind)] == 1.0
    style = obs[s["style"]]
    np.testing.assert_allclose(style, env.unwrapped.style_features().astype(np.float32))


def test_reset_switches_task_in_place():
    env = gym.make("rl_gait/LevelWalk-v0").unwrapped
    model_before = env.model
    obs, _ = env.reset(seed=0, options={"task": Task("stairs", step_height_m=0.15)})
    assert env.model is model_before and env.task.terrain == "stairs"
    s = env.observation_structure
    assert obs[s["task"]][2] == 1.0 and obs[s["task"]][4] == pytest.approx(0.15)
    assert obs[s["terrain"]].max() == pytest.approx(0.15, abs=1e-6) or obs[s["terrain"]].max() == pytest.approx(0.0)


def test_reference_playback_walks_a_little_then_falls_without_learning():
    """Untrained playback of the reference falls within seconds (SIM_NOTES): termination works."""
    env = gym.make("rl_gait/LevelWalk-v0").unwrapped
    env.reset(seed=0)
    for _ in range(int(6 / env.control_dt)):
        _, _, term, trunc, info = env.step(np.zeros(6, np.float32))
        if term or trunc:
            break
    assert term and info["fell"] and not info["success"]
    assert 0.2 < info["time_s"] < 6


def test_render_rgb_array():
    env = gym.make("rl_gait/StairWalk-v0", render_mode="rgb_array", render_size=(96, 128))
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (96, 128, 3) and frame.dtype == np.uint8
    assert frame.std() > 5  # not blank
    env.close()
