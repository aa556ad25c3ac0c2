"""The shipped atlas policy: loads without Ray, verifies its hash, walks level ground, and walks a
hemiparetic gait on a body weakened on its paretic side.

A real check on the artefact in ``rl_gait/data/atlas_policy`` (produced by
``experiments/train_atlas_policy.py``; the command is in its sidecar).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import rl_gait  # noqa: F401
from rl_gait.envs.config import WalkEnvConfig
from rl_gait.errors import CheckpointError

ATLAS_POLICY = Path(rl_gait.__file__).resolve().parent / "data" / "atlas_policy"


@pytest.fixture(scope="module")
def policy():
    from rl_gait.learner import load_policy

    return load_policy(ATLAS_POLICY)


def test_sidecar_records_how_it_was_made():
    meta = json.loads((ATLAS_POLICY / "rl_gait.json").read_text())
    assert meta["command"].startswith("python experiments/train_atlas_policy.py")
    assert meta["steps"] > 0 and meta["wall_s"] > 0 and meta["files_sha256"]
    assert set(meta["success_per_task_and_level"]) >= {"level/L0", "slope_up/L0", "stairs_up/L0"}
    weak = meta["success_per_task_and_level_weak_side"]
    assert 0 < weak["factor"] < 1 and set(weak["l"]) == set(weak["r"]) == set(meta["success_per_task_and_level"])
    size = sum(f.stat().st_size for f in ATLAS_POLICY.rglob("*") if f.is_file())
    assert size < 10 * 2**20


def _walks_10_s(policy, env) -> None:
    """3 seeded deterministic rollouts of 10 s: no fall, at least 60 % of the target-speed distance."""
    for seed in (0, 1, 2):
        obs, _ = env.reset(seed=seed)
        while True:
            obs, _, term, trunc, info = env.step(policy.act(obs))
            if term or trunc:
                break
        assert not info["fell"], f"seed {seed}: fell after {info['time_s']:.1f} s"
        assert info["time_s"] == pytest.approx(10.0, abs=0.02)
        assert info["distance_m"] > 0.6 * env.unwrapped.target_speed_m_s * 10.0


def test_walks_level_ground_for_10_s_at_comfortable_speed(policy):
    _walks_10_s(policy, gym.make("rl_gait/LevelWalk-v0", episode_duration_s=10.0))


def test_walks_a_hemiparetic_gait_on_a_body_weakened_on_its_paretic_side(policy):
    """The warm start's job: the sample patient's impairment model (reduced paretic knee swing and
    push-off, 0.6 m/s) as the reference, the paretic (left) side's PD gains and torque limits at 60 %,
    10 s without a fall in 3 seeded rollouts."""
    from rl_gait.body import BodyParams, PDParams
    from rl_gait.reference.impaired import ImpairmentModel, impaired_reference

    pd = PDParams.default_for(BodyParams()).scaled("l", kp=0.6, torque=0.6)
    _walks_10_s(policy, gym.make("rl_gait/LevelWalk-v0", episode_duration_s=10.0, pd=pd,
                                 reference=impaired_reference(ImpairmentModel(paretic_side="left"))))


def test_altered_checkpoint_is_refused(tmp_path):
    from rl_gait.learner import load_policy

    copy = tmp_path / "atlas_policy"
    shutil.copytree(ATLAS_POLICY, copy)
    weights = next(p for p in copy.rglob("*") if p.is_file() and p.name != "rl_gait.json")
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="altered"):
        load_policy(copy)


@pytest.mark.parametrize("runners", [0, 1])
def test_warm_start_from_atlas_gives_the_same_actions(policy, runners):
    """A patient config warm-started from the atlas acts exactly like the atlas before any update, also
    with remote EnvRunners (where ``algo.get_module()`` is the local runner's copy)."""
    from rl_gait.learner import Policy, build_config
    from rl_gait.learner.ray_session import start_ray

    start_ray(num_cpus=1)
    config = build_config(mode="hybrid", env=WalkEnvConfig(), warm_start=ATLAS_POLICY, num_env_runners=runners,
                          num_envs_per_env_runner=1, train_batch_size=256, minibatch_size=128, num_epochs=1)
    algo = config.build_algo()
    try:
        started = Policy(algo.get_module())
        env = gym.make("rl_gait/SlopeWalk-v0", grade_deg=5.0)
        obs = np.stack([env.reset(seed=s)[0] for s in range(8)])
        np.testing.assert_allclose(started.act(obs), policy.act(obs), atol=1e-6)
    finally:
        algo.stop()
