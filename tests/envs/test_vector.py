"""WalkVectorEnv: the same stepping as gymnasium's SyncVectorEnv, scalar infos only, and RLlib's creator."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rl_gait  # noqa: F401  (registers the envs)
from rl_gait.envs.vector import WalkVectorEnv, scalar_info, stack_infos


def test_scalar_info_keeps_scalars_and_drops_arrays():
    info = {"reward_pose": 0.3, "fell": False, "n": np.int64(2), "task": "level", "x": np.float32(1.5),
            "joint_angles_rad": np.zeros(6), "foot_contact": np.array([True, False])}
    assert scalar_info(info) == {"reward_pose": 0.3, "fell": False, "n": 2, "task": "level", "x": 1.5}


def test_stack_infos_is_gymnasiums_vector_format_worked_by_hand():
    out = stack_infos([{"r": 1.0, "done": True, "task": "level"}, {"r": 2, "lvl": 3}])
    np.testing.assert_array_equal(out["r"], [1.0, 2.0])
    assert out["r"].dtype == np.float64
    np.testing.assert_array_equal(out["_r"], [True, True])
    np.testing.assert_array_equal(out["done"], [True, False])
    np.testing.assert_array_equal(out["_done"], [True, False])
    np.testing.assert_array_equal(out["lvl"], [0, 3])
    np.testing.assert_array_equal(out["_lvl"], [False, True])
    assert list(out["task"]) == ["level", None] and list(out["_task"]) == [True, False]
    # what RLlib's DictInfoToList makes of it: each env's own scalar info back
    from gymnasium.wrappers.vector import DictInfoToList

    class _Two:
        num_envs = 2

    assert DictInfoToList._convert_info_to_list(_Two(), out) == [{"r": 1.0, "done": True, "task": "level"},
                                                                 {"r": 2.0, "lvl": 3}]


@pytest.mark.parametrize("n", [3])
def test_same_trajectories_as_gymnasiums_sync_vector_env_through_autoresets(n):
    make = lambda: gym.make("rl_gait/LevelWalk-v0", episode_duration_s=0.2)  # noqa: E731 (13 steps: autoresets)
    ours = WalkVectorEnv(make, n)
    ref = gym.vector.SyncVectorEnv([make] * n)
    rng = np.random.default_rng(0)
    o1, i1 = ours.reset(seed=7)
    o2, i2 = ref.reset(seed=7)
    np.testing.assert_array_equal(o1, o2)
    resets, arrays_dropped, terms_checked = 0, 0, 0
    for _ in range(40):
        a = rng.uniform(-1, 1, ref.action_space.shape).astype(np.float32)
        s1, s2 = ours.step(a), ref.step(a)
        for x, y in zip(s1[:4], s2[:4], strict=True):
            np.testing.assert_array_equal(x, y)
        resets += int(np.sum(s1[2] | s1[3]))
        for key, value in s1[4].items():  # every scalar entry as the env reported it, no arrays
            assert not key.startswith("_") or value.dtype == bool
            if not key.startswith("_"):
                np.testing.assert_array_equal(value[s1[4]["_" + key]], s2[4][key][s2[4]["_" + key]])
        if "joint_angles_rad" in s2[4]:  # a step (not only resets): the arrays stay behind
            assert "joint_angles_rad" not in s1[4]
            arrays_dropped += 1
            terms = [k for k in s1[4] if k.startswith("reward_")]
            stepped = s1[4]["_" + terms[0]]
            np.testing.assert_allclose(sum(s1[4][k] for k in terms)[stepped], s1[1][stepped])  # terms sum to reward
            terms_checked += int(stepped.sum())
    assert resets >= n and arrays_dropped > 0 and terms_checked > 0  # episodes ended and were reset on the next step
    ours.close()
    ref.close()


def test_call_reaches_through_wrappers_and_set_attr_sets_each_env():
    venv = WalkVectorEnv(lambda: gym.make("rl_gait/LevelWalk-v0"), 2)
    assert venv.call("goal_distance_m") == (3.0, 3.0)
    venv.set_attr("init_noise_rad", [0.0, 0.01])
    assert venv.get_attr("init_noise_rad") == (0.0, 0.01)


def test_rllib_creator_builds_a_vector_env_for_num_envs():
    pytest.importorskip("ray")
    from rl_gait.envs.registration import _ENTRY_POINTS, ENV_IDS, _ray_creator

    create = _ray_creator(_ENTRY_POINTS[ENV_IDS["level"]])
    venv = create({"episode_duration_s": 1.0, "num_envs": 2})
    assert isinstance(venv, WalkVectorEnv) and venv.num_envs == 2
    assert venv.envs[0].unwrapped.episode_duration_s == 1.0
    assert not isinstance(create({"episode_duration_s": 1.0}), gym.vector.VectorEnv)
