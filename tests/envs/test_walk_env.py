"""Env contract: Gymnasium checks, determinism, reward terms, task switching, rendering."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rl_gait  # noqa: F401  (registers the ids)
from rl_gait.tasks import Task

KWARGS = {  # every registered id (rl_gait.envs.ENV_IDS and rl_gait.curriculum.MULTITASK_ENV_ID)
    "rl_gait/LevelWalk-v0": {},
    "rl_gait/SlopeWalk-v0": {"grade_deg": -8.0},
    "rl_gait/StairWalk-v0": {"step_height_m": 0.12, "ascending": True},
    "rl_gait/MultiTaskWalk-v0": {},
}


@pytest.fixture(scope="module", params=list(KWARGS))
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


def test_the_contact_timing_term_pays_for_contacts_that_match_the_reference():
    from rl_gait.envs.rewards import RewardWeights
    from rl_gait.envs.walk import WalkEnv
    from rl_gait.reference import healthy_reference

    env = WalkEnv(reference=healthy_reference(), reward_weights=RewardWeights(contact=0.3))
    env.reset(seed=0)
    paid = []
    for _ in range(30):
        _, r, term, _, info = env.step(np.zeros(6, np.float32))
        if term:
            break
        u = env.unwrapped
        stance = u.ref.stance[int(info["phase"] * len(u.ref.stance))]
        want = 0.3 * np.mean(np.asarray(info["foot_contact"]) == stance)
        assert info["reward_contact"] == pytest.approx(want)
        assert r == pytest.approx(sum(info[f"reward_{n}"] for n in u.weights.term_names))
        paid.append(info["reward_contact"])
    assert paid and set(np.round(paid, 9)) <= {0.0, 0.15, 0.3}
    env.close()


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


def test_feature_start_spreads_starts_over_the_stairs_and_keeps_the_goal():
    """Spatial RSI: with feature_start_prob=1 every stairs episode starts on the stairs (x in
    [approach end, stairs end)), is flagged not full-course, and still has to reach the same goal x."""
    from rl_gait.envs.walk import FEATURE_GOAL_MARGIN_M, WalkEnv
    from rl_gait.terrain.terrain import feature_end_x_m

    task = Task("stairs", step_height_m=0.12)
    env = WalkEnv(task=task, feature_start_prob=1.0)
    x0, x1 = env.terrain_layout.approach_end_x_m, feature_end_x_m(task, env.terrain_layout)
    starts = []
    for seed in range(20):
        env.reset(seed=seed)
        starts.append(env._x_start)
        assert env._x_start + env.goal_distance_m == pytest.approx(x1 + FEATURE_GOAL_MARGIN_M)
        _, _, _, _, info = env.step(np.zeros(6, np.float32))
        assert info["full_course"] is False
    starts = np.array(starts)
    assert starts.min() >= x0 and starts.max() < x1 and np.ptp(starts) > 0.5 * (x1 - x0)

    env.reset(seed=0, options={"x_m": 0.0})
    assert env._x_start == 0.0 and env.step(np.zeros(6, np.float32))[4]["full_course"] is True
    level = WalkEnv(feature_start_prob=1.0)  # level ground has no feature: always the start
    level.reset(seed=3)
    assert level._x_start == 0.0


def test_feature_start_prob_zero_keeps_the_random_stream():
    """The default (0) draws nothing extra: trajectories equal those of an env without the option."""
    from rl_gait.envs.walk import WalkEnv

    a, b = WalkEnv(), WalkEnv(feature_start_prob=0.0)
    oa, _ = a.reset(seed=7)
    ob, _ = b.reset(seed=7)
    np.testing.assert_array_equal(oa, ob)
    with pytest.raises(ValueError, match="feature_start_prob"):
        WalkEnv(feature_start_prob=1.5)


def test_lagging_behind_the_target_speed_ends_the_episode_only_when_asked():
    """max_lag_m: a walker put 1 m behind its schedule is terminated (lagged, not fallen); without the
    option the same state goes on."""
    from rl_gait.envs.walk import WalkEnv

    for max_lag, expect_end in ((0.5, True), (None, False)):
        env = WalkEnv(max_lag_m=max_lag)
        env.reset(seed=0)
        env.data.qpos[env.layout.root_qpos[0]] -= 1.0  # 1 m behind, everything else unchanged
        _, _, terminated, truncated, info = env.step(np.zeros(6, np.float32))
        assert terminated is expect_end and info["lagged"] is expect_end
        assert not info["fell"] and not truncated and not info["success"]
    with pytest.raises(ValueError, match="max_lag_m"):
        WalkEnv(max_lag_m=0.0)



def test_weakness_range_weakens_one_drawn_side_of_the_given_pd():
    """weakness_range=(lo, hi): each reset scales one side's kp and torque limit (kd untouched) of the
    env's PD by a factor in [lo, hi], both sides get drawn, the other side keeps its values; the draw
    is seeded; without the option the model keeps ``pd`` and the random stream is unchanged."""
    from rl_gait.body import PDParams
    from rl_gait.envs.walk import WalkEnv
    from rl_gait.joints import JOINT_NAMES

    env = WalkEnv(weakness_range=(0.5, 0.8))
    base = env.pd
    kp0, lim0 = np.array(base.kp_nm_per_rad), np.array(base.torque_limit_nm)
    acts = env.layout.actuators
    sides = set()
    for seed in range(12):
        _, info = env.reset(seed=seed)
        side, f = info["weak_side"], info["weakness"]
        sides.add(side)
        assert 0.5 <= f <= 0.8
        weak = np.array([n.endswith("_" + side) for n in JOINT_NAMES])
        expect = np.where(weak, f, 1.0)
        np.testing.assert_allclose(env.model.actuator_gainprm[acts, 0], kp0 * expect)
        np.testing.assert_allclose(env.model.actuator_forcerange[acts, 1], lim0 * expect)
        np.testing.assert_allclose(-env.model.actuator_biasprm[acts, 2], base.kd_nms_per_rad)
        assert env.pd is base  # draws are relative to the given PD, never compounded
    assert sides == {"r", "l"}
    assert env.reset(seed=3)[1]["weakness"] == WalkEnv(weakness_range=(0.5, 0.8)).reset(seed=3)[1]["weakness"]

    plain, off = WalkEnv(), WalkEnv(weakness_range=None)
    np.testing.assert_array_equal(plain.reset(seed=7)[0], off.reset(seed=7)[0])
    assert "weak_side" not in off.reset(seed=7)[1]
    np.testing.assert_allclose(off.model.actuator_gainprm[acts, 0], PDParams.default_for(off.body).kp_nm_per_rad)
    for bad in ((0.0, 1.0), (0.9, 0.5), (0.5, 1.2)):
        with pytest.raises(ValueError, match="weakness_range"):
            WalkEnv(weakness_range=bad)


def test_walking_back_from_the_farthest_point_ends_the_episode_only_when_asked():
    """max_retreat_m: a walker that got 1 m along and is put back 0.6 m is terminated (retreated, not
    fallen or lagged) with max_retreat_m=0.5, not with 0.7 or None; going forward never retreats."""
    from rl_gait.envs.walk import WalkEnv

    for max_retreat, back_m, expect_end in ((0.5, 0.6, True), (0.7, 0.6, False), (None, 0.6, False),
                                            (0.5, -0.6, False)):
        env = WalkEnv(max_retreat_m=max_retreat)
        env.reset(seed=0)
        x = env.layout.root_qpos[0]
        env.data.qpos[x] += 1.0
        _, _, terminated, _, info = env.step(np.zeros(6, np.float32))  # the farthest point: ~1 m along
        assert not terminated and not info["retreated"]
        env.data.qpos[x] -= back_m
        _, _, terminated, truncated, info = env.step(np.zeros(6, np.float32))
        assert terminated is expect_end and info["retreated"] is expect_end
        assert not info["fell"] and not info["lagged"] and not truncated and not info["success"]
    with pytest.raises(ValueError, match="max_retreat_m"):
        WalkEnv(max_retreat_m=-1.0)


def test_running_ahead_of_the_target_schedule_ends_the_episode_only_when_asked():
    """max_lead_m: a walker put 0.8 m ahead of where the target speed takes it in one control step is terminated
    (ran_ahead, not fallen, lagged or retreated) with max_lead_m=0.5, not with 1.0 or None; 0.8 m behind never
    runs ahead; the option is training-only (dropped for rollouts) and the 3D env refuses it."""
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.envs.walk import WalkEnv

    for max_lead, ahead_m, expect_end in ((0.5, 0.8, True), (1.0, 0.8, False), (None, 0.8, False),
                                          (0.5, -0.8, False)):
        env = WalkEnv(max_lead_m=max_lead)
        env.reset(seed=0)
        env.data.qpos[env.layout.root_qpos[0]] += ahead_m
        _, _, terminated, truncated, info = env.step(np.zeros(6, np.float32))
        assert terminated is expect_end and info["ran_ahead"] is expect_end
        assert not info["fell"] and not info["lagged"] and not info["retreated"] and not truncated
    with pytest.raises(ValueError, match="max_lead_m"):
        WalkEnv(max_lead_m=0.0)
    assert WalkEnvConfig(max_lead_m=0.5).for_rollouts().max_lead_m is None
    with pytest.raises(ValueError, match="max_lead_m"):
        WalkEnvConfig(max_lead_m=0.5, body_model="3d").walk3d_kwargs()
