"""Roll a trained 3D walker (``experiments/train_walker3d.py``'s output) out deterministically and measure its gait.

Per start (seeded random phase, the env it was trained on, ``for_rollouts()``): how long it walked before a fall
(and which way it fell), forward speed, lateral drift of the pelvis, heading at the end, and the RMS of the frontal
and transverse joints (hip ab/adduction and rotation, ankle inversion; their reference targets are 0) and of the
sagittal joints against the reference at the same phase. Prints a Markdown table (``docs/body3d.md``).

    PYTHONPATH=$PWD python experiments/eval_walker3d.py /tmp/walker3d --starts 5 --seconds 20
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tyro


@dataclass(frozen=True)
class Args:
    checkpoint: tyro.conf.Positional[Path]  # the training output folder (or its checkpoint/)
    starts: int = 5
    seconds: float = 20.0
    seed: int = 0


@dataclass(frozen=True)
class WalkMeasure:
    """One deterministic walk: ``walked_s`` simulated s before a fall (or the whole duration), ``fall_direction``
    (``None`` without a fall), ``speed_m_s`` mean forward speed (distance / time), ``lateral_drift_m`` the pelvis'
    sideways travel, ``heading_deg`` the pelvis yaw at the end, ``frontal_rms_deg`` / ``sagittal_rms_deg`` RMS of
    the joint error against the reference (frontal and transverse leg joints / the six sagittal ones), and
    ``lumbar_rms_deg`` the lumbar joint's angles (target 0; 0 when the lumbar is locked)."""

    walked_s: float
    fall_direction: str | None
    speed_m_s: float
    lateral_drift_m: float
    heading_deg: float
    frontal_rms_deg: float
    sagittal_rms_deg: float
    lumbar_rms_deg: float


def walk(env, policy, seed: int, seconds: float) -> WalkMeasure:
    """One deterministic rollout of ``policy`` in the 3D ``env`` (its ``episode_duration_s`` ≥ ``seconds``)."""
    from rl_gait.envs.walk import PHASE_TABLE_SIZE

    obs, _ = env.reset(seed=seed)
    n_sag = 6
    err = []
    info: dict = {}
    while True:
        obs, _, terminated, truncated, info = env.step(policy.act(obs))
        q_ref = env.ref.q[int(info["phase"] * PHASE_TABLE_SIZE)]
        err.append(info["joint_angles_3d_rad"] - q_ref)
        if terminated or truncated or info["time_s"] >= seconds - 1e-9:
            break
    e = np.degrees(np.asarray(err))
    frontal = e[:, n_sag:12]  # hip ab/adduction, rotation, ankle inversion of both sides; the lumbar after them
    return WalkMeasure(walked_s=float(info["time_s"]), fall_direction=info["fall_direction"],
                       speed_m_s=float(info["distance_m"] / info["time_s"]), lateral_drift_m=float(info["lateral_m"]),
                       heading_deg=math.degrees(info["heading_rad"]),
                       frontal_rms_deg=float(np.sqrt(np.mean(frontal**2))),
                       sagittal_rms_deg=float(np.sqrt(np.mean(e[:, :n_sag] ** 2))),
                       lumbar_rms_deg=float(np.sqrt(np.mean(e[:, 12:] ** 2))))


def main() -> None:
    args = tyro.cli(Args, description=__doc__.splitlines()[0])
    import gymnasium as gym

    import rl_gait  # noqa: F401  (registers the env ids)
    from rl_gait.learner.checkpoint import env_config_from_sidecar, load_policy

    policy = load_policy(args.checkpoint)
    cfg = env_config_from_sidecar(policy.meta).for_rollouts(episode_duration_s=args.seconds)
    env = gym.make(cfg.env_id, config=cfg).unwrapped
    print(f"target speed {env.target_speed_m_s:.2f} m/s; {args.starts} starts × {args.seconds:g} s, deterministic")
    print("| start | walked | fall | speed | lateral drift | heading | frontal RMS | sagittal RMS | lumbar RMS |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k in range(args.starts):
        m = walk(env, policy, args.seed + k, args.seconds)
        print(f"| {k} | {m.walked_s:.1f} s | {m.fall_direction or '–'} | {m.speed_m_s:.2f} m/s | "
              f"{m.lateral_drift_m:+.2f} m | {m.heading_deg:+.0f}° | {m.frontal_rms_deg:.1f}° | "
              f"{m.sagittal_rms_deg:.1f}° | {m.lumbar_rms_deg:.1f}° |")


if __name__ == "__main__":
    main()
