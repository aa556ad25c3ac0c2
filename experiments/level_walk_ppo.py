"""Feasibility check of the simulator: plain RLlib PPO (tracking + goal reward only) on
``rl_gait/LevelWalk-v0`` with the healthy reference; prints whether the deterministic policy walks.

Usage: python experiments/level_walk_ppo.py --minutes 6 [--reference REF.npz] --out runs/level_walk_ppo
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Args:
    minutes: float = 6.0
    reference: str | None = None
    out: str = "runs/level_walk_ppo"
    runners: int = 2
    envs_per_runner: int = 4
    seed: int = 0


def main() -> None:
    p = argparse.ArgumentParser()
    for k, v in Args().__dict__.items():
        p.add_argument(f"--{k.replace('_', '-')}", type=type(v) if v is not None else str, default=v)
    args = Args(**vars(p.parse_args()))

    import ray
    import torch
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

    from rl_gait.envs import register_with_ray
    from rl_gait.envs.walk import WalkEnv
    from rl_gait.reference import ReferenceMotion

    torch.set_num_threads(1)
    ray.init(num_cpus=max(2, args.runners + 1), include_dashboard=False, log_to_driver=False)
    register_with_ray()
    env_config = {}
    if args.reference:
        env_config["reference"] = ReferenceMotion.load(args.reference)
    config = (
        PPOConfig()
        .environment("rl_gait/LevelWalk-v0", env_config=env_config)
        .env_runners(num_env_runners=args.runners, num_envs_per_env_runner=args.envs_per_runner,
                     rollout_fragment_length="auto")
        .training(train_batch_size_per_learner=4000, minibatch_size=500, num_epochs=5, lr=3e-4, gamma=0.98,
                  lambda_=0.95, clip_param=0.2, entropy_coeff=0.0, vf_loss_coeff=0.5)
        .rl_module(model_config=DefaultModelConfig(fcnet_hiddens=[256, 256], fcnet_activation="tanh",
                                                   vf_share_layers=False))
        .debugging(seed=args.seed)
    )
    algo = config.build_algo()
    t0 = time.time()
    it = 0
    while time.time() - t0 < args.minutes * 60:
        r = algo.train()
        it += 1
        er = r["env_runners"]
        print(f"it {it:3d}  t {time.time() - t0:6.0f}s  steps {int(r.get('num_env_steps_sampled_lifetime', 0)):8d}  "
              f"return {er.get('episode_return_mean', float('nan')):7.2f}  len {er.get('episode_len_mean', 0):6.1f}",
              flush=True)
    out = Path(args.out).resolve()
    algo.save_to_path(str(out))
    module = algo.get_module()
    env = WalkEnv(**env_config)
    for seed in range(3):
        obs, _ = env.reset(seed=seed)
        for _ in range(int(10 / env.control_dt)):
            with torch.no_grad():
                out_ = module.forward_inference({"obs": torch.as_tensor(obs[None])})
            mean = out_["action_dist_inputs"][0, :6].numpy()
            obs, _, term, trunc, info = env.step(np.clip(mean, -1, 1))
            if term or trunc:
                break
        print(f"eval seed {seed}: fell={info['fell']} t={info['time_s']:.1f}s distance={info['distance_m']:.1f}m")
    ray.shutdown()


if __name__ == "__main__":
    main()
