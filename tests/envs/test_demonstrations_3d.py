"""Demonstrations of the 3D body (hybrid mode without a warm start): the env's own reference state, observed."""

from __future__ import annotations

import numpy as np

from rl_gait.envs.config import WalkEnvConfig
from rl_gait.envs.demonstrations import make_demonstrations
from rl_gait.envs.registration import make_walk_env


def test_3d_demonstrations_are_the_reference_states_the_env_observes():
    env = make_walk_env(WalkEnvConfig(body_model="3d"))  # start noise 0.02 rad: not in demonstrations
    demos = make_demonstrations(env, n_samples=8, seed=3)
    assert demos.obs.shape == demos.next_obs.shape == (8, 102) and demos.actions.shape == (8, 14)
    assert env.init_noise_rad == 0.02  # restored
    phases = (np.arange(8) + np.random.default_rng(3).uniform(0, 1, 8)) / 8  # make_demonstrations' phases
    quiet = make_walk_env(WalkEnvConfig(body_model="3d", init_noise_rad=0.0))
    obs, _ = quiet.reset(options={"phase": float(phases[5]), "x_m": 0.0, "weaken": False})
    np.testing.assert_array_equal(demos.obs[5], obs)
    # the BC target reproduces the reference velocity through the PD law: (kd/kp)·q̇_ref / action scale
    nxt = (phases[5] + env._dphase) % 1.0
    qd = env.ref.qd[int(nxt * len(env.ref.qd))]
    kp, kd = np.asarray(env.pd.kp_nm_per_rad), np.asarray(env.pd.kd_nms_per_rad)
    np.testing.assert_allclose(demos.actions[5], np.clip(kd / kp * qd / env.action_scale_rad, -1, 1), rtol=1e-6)
    env.close()
    quiet.close()
