"""Training throughput: end-to-end env steps/s of the project's training vs the bare env loop, in ONE run.

Usage::

    python benchmarks/training_throughput.py [--iters 8] [--env-runners N] [--envs-per-runner M] [--rllib-runner] [--joint-discriminator] [--out FILE.json]
    python benchmarks/training_throughput.py --trial TRIAL_DIR   # + `rl-gait train --mode hybrid --budget quick`

Measured in one run on the same machine, back to back: (1) the bare ``rl_gait/LevelWalk-v0`` loop in this
process (small random actions, resets), before and after the training runs (their mean is the reference);
(2) ``physics-only`` PPO and (3) ``hybrid`` (PPO + BC + GAIL), each for ``--iters`` iterations with the
project's defaults (``rl_gait.learner.params.SAMPLING``: EnvRunners and envs per runner; PPO batch 4000,
5 epochs, minibatch 1000), after two warm-up iterations (actor start-up; pipelined (the default), the
sampler's first batch). Prints env steps/s end to end and its ratio to the bare loop (targets: hybrid >= 0.5,
physics-only >= 0.6), and per iteration the learner phase (update on the batch) and the sampling wait (the
time the driver waits for the batch: with remote EnvRunners they sample while the learner updates, so it
is only what the learner phase did not hide). With ``--trial`` it also runs ``rl-gait train --mode hybrid
--budget quick`` on that ingested trial and takes steps/s over its whole run from its ``training.csv``
(the issue's check). The load average is recorded: other processes on the box distort every wall-clock
number, so CPU seconds are counted too (the driver's and the EnvRunners' ``process_time``, the bare loop's):
``CPU per env step`` relative to the bare loop bounds the ratio two idle cores could reach.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np


def bare_env_steps_per_s(seconds: float = 5.0, seed: int = 0) -> float:
    """Steps/s of one ``rl_gait/LevelWalk-v0`` in this process: small random actions (±0.1), resets."""
    import rl_gait  # noqa: F401  (registers the envs)

    env = gym.make("rl_gait/LevelWalk-v0")
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-0.1, 0.1, (1024, *env.action_space.shape)).astype(np.float32)
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        _, _, term, trunc, _ = env.step(actions[n % 1024])
        n += 1
        if term or trunc:
            env.reset()
    env.close()
    BARE_CPU_S_PER_STEP.append((time.process_time() - c0) / n)
    return n / (time.perf_counter() - t0)


BARE_CPU_S_PER_STEP: list[float] = []  # CPU seconds per step of each bare-loop measurement


def _runners_cpu_s(algo) -> float:
    """CPU seconds used so far by the remote EnvRunner processes (0 without remote runners)."""
    group = algo.env_runner_group
    if group is None or group.num_remote_env_runners() == 0:
        return 0.0
    return float(sum(group.foreach_env_runner(lambda r: time.process_time(), local_env_runner=False)))


def training_rate(mode: str, iters: int, env_runners: int, envs_per_runner: int,
                  pipelined: bool = True, lean_sampling: bool = True,
                  discriminator_thread: bool = True, disc_num_epochs: float | None = None,
                  disc_lr: float | None = None) -> dict[str, float]:
    """End-to-end rates of ``mode`` (``disc_num_epochs``: ``None`` = ImitationParams' default, ``"all"`` = a
    discriminator step on every minibatch)."""
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.learner import ImitationParams, build_config
    from rl_gait.learner.ray_session import start_ray

    start_ray()
    imitation = None
    if mode == "hybrid" and (disc_num_epochs is not None or disc_lr is not None):
        epochs = {} if disc_num_epochs is None else {
            "disc_num_epochs": None if disc_num_epochs == "all" else float(disc_num_epochs)}
        imitation = ImitationParams(**epochs, **({"disc_lr": disc_lr} if disc_lr else {}))
    cfg = build_config(mode=mode, env=WalkEnvConfig(), num_env_runners=env_runners,
                       num_envs_per_env_runner=envs_per_runner, pipelined=pipelined, lean_sampling=lean_sampling,
                       discriminator_thread=discriminator_thread, imitation=imitation)
    algo = cfg.build_algo()
    try:
        for _ in range(2):  # warm-up: actors, first weights sync, the pipeline's first batch
            warm = algo.train()
        steps0 = float(warm["env_runners"]["num_env_steps_sampled_lifetime"])
        r0 = _runners_cpu_s(algo)
        learner_s, sample_s, t0, c0 = [], [], time.perf_counter(), time.process_time()
        for _ in range(iters):
            r = algo.train()
            timers = r.get("timers", {})
            learner_s.append(float(timers.get("learner_update_timer", np.nan)))
            sample_s.append(float(timers.get("env_runner_sampling_timer", np.nan)))
        wall, driver_cpu = time.perf_counter() - t0, time.process_time() - c0
        runners_cpu = _runners_cpu_s(algo) - r0
        total_steps = float(r["env_runners"]["num_env_steps_sampled_lifetime"]) - steps0
    finally:
        algo.stop()
    return {"env_steps_per_s": total_steps / wall, "learner_s_per_iter": float(np.nanmean(learner_s)),
            "sampling_wait_s_per_iter": float(np.nanmean(sample_s)), "iteration_s": wall / iters,
            "driver_cpu_s_per_iter": driver_cpu / iters, "runners_cpu_s_per_iter": runners_cpu / iters,
            "cpu_s_per_env_step": (driver_cpu + runners_cpu) / total_steps, "algorithm": type(algo).__name__,
            "env_runner": getattr(cfg.env_runner_cls, "__name__", "SingleAgentEnvRunner"),
            "num_gpus_per_learner": cfg.num_gpus_per_learner, "iters": iters, "wall_s": wall}


def cli_quick_rate(trial: Path) -> dict[str, float]:
    """``rl-gait train --mode hybrid --budget quick`` on ``trial``: steps / wall over its training.csv."""
    with tempfile.TemporaryDirectory(prefix="rl_gait_tp_") as tmp:
        out = Path(tmp) / "run"
        subprocess.run([sys.executable, "-m", "rl_gait.cli", "train", "--trial", str(trial), "--mode", "hybrid",
                        "--budget", "quick", "--out", str(out), "--no-progress"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
        with (out / "training.csv").open() as fh:
            last = list(csv.DictReader(fh))[-1]
    return {"env_steps": int(last["env_steps"]), "wall_s": float(last["wall_s"]),
            "env_steps_per_s": int(last["env_steps"]) / float(last["wall_s"])}


def main() -> None:
    from rl_gait.learner.params import SAMPLING

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iters", type=int, default=8)
    ap.add_argument("--env-runners", type=int, default=SAMPLING.num_env_runners)
    ap.add_argument("--envs-per-runner", type=int, default=SAMPLING.num_envs_per_env_runner)
    ap.add_argument("--synchronous", action="store_true", help="RLlib's synchronous iteration (default: pipelined)")
    ap.add_argument("--rllib-runner", action="store_true",
                    help="sample with RLlib's SingleAgentEnvRunner instead of rl_gait's LeanEnvRunner (the default)")
    ap.add_argument("--joint-discriminator", action="store_true",
                    help="step the hybrid discriminator in RLlib's joint minibatch step, not on its own thread (default)")
    ap.add_argument("--disc-num-epochs", default=None,
                    help="hybrid: ImitationParams.disc_num_epochs ('all' = a step on every minibatch)")
    ap.add_argument("--disc-lr", type=float, default=None, help="hybrid: the discriminator's learning rate")
    ap.add_argument("--trial", type=Path, default=None, help="an ingested trial: also time `rl-gait train --budget quick`")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "training_throughput.json")
    args = ap.parse_args()
    os.environ.setdefault("MUJOCO_GL", "egl")
    load0 = os.getloadavg()[0]
    bare0 = bare_env_steps_per_s()
    lean = not args.rllib_runner
    plain = training_rate("physics-only", args.iters, args.env_runners, args.envs_per_runner, not args.synchronous, lean)
    hybrid = training_rate("hybrid", args.iters, args.env_runners, args.envs_per_runner, not args.synchronous, lean,
                           discriminator_thread=not args.joint_discriminator, disc_num_epochs=args.disc_num_epochs,
                           disc_lr=args.disc_lr)
    quick = cli_quick_rate(args.trial) if args.trial else None
    bare1 = bare_env_steps_per_s()
    bare = 0.5 * (bare0 + bare1)
    bare_cpu = float(np.mean(BARE_CPU_S_PER_STEP))
    for r in (plain, hybrid):  # what the CPU seconds allow on two idle cores, if both are kept busy
        r["cpu_bound_ratio_2_cores"] = min(2.0 * bare_cpu / r["cpu_s_per_env_step"],
                                           (1 + args.env_runners) * bare_cpu / r["cpu_s_per_env_step"])
    res = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "loadavg_1m_start_end": [load0, os.getloadavg()[0]]},
        "setup": vars(args) | {"out": str(args.out), "trial": str(args.trial) if args.trial else None},
        "bare_env_steps_per_s": bare, "bare_start_end": [bare0, bare1], "bare_cpu_s_per_step": bare_cpu,
        "physics_only": plain, "hybrid": hybrid, "cli_hybrid_quick": quick,
        "ratio_training_to_bare_physics_only": plain["env_steps_per_s"] / bare,
        "ratio_training_to_bare_hybrid": hybrid["env_steps_per_s"] / bare,
        "learner_phase_hybrid_over_plain": hybrid["learner_s_per_iter"] / plain["learner_s_per_iter"],
    }
    if quick:
        res["ratio_cli_hybrid_quick_to_bare"] = quick["env_steps_per_s"] / bare
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    print(f"bare env loop            : {bare:8.0f} env steps/s (1 process; {bare0:.0f} before, {bare1:.0f} after)")
    print(f"sampling: {args.env_runners} {hybrid['env_runner']}(s) x {args.envs_per_runner} envs, {hybrid['algorithm']}, "
          f"GPUs per learner {hybrid['num_gpus_per_learner']}")
    for name, r in (("physics-only PPO", plain), ("hybrid PPO+BC+GAIL", hybrid)):
        print(f"{name:<25}: {r['env_steps_per_s']:8.0f} env steps/s end to end (ratio {r['env_steps_per_s'] / bare:.2f}); "
              f"iteration {r['iteration_s']:.2f} s = learner {r['learner_s_per_iter']:.2f} s "
              f"({r['learner_s_per_iter'] / r['iteration_s']:.0%}) + sampling wait {r['sampling_wait_s_per_iter']:.2f} s")
        print(f"{'':<25}  CPU per iteration: learner/driver {r['driver_cpu_s_per_iter']:.2f} s, EnvRunners "
              f"{r['runners_cpu_s_per_iter']:.2f} s; CPU per env step {r['cpu_s_per_env_step'] / bare_cpu:.2f}x the bare "
              f"loop's -> at most {r['cpu_bound_ratio_2_cores']:.2f} of it on 2 idle cores")
    print(f"learner phase hybrid / plain: {res['learner_phase_hybrid_over_plain']:.2f}x")
    if quick:
        print(f"rl-gait train --mode hybrid --budget quick: {quick['env_steps']} steps in {quick['wall_s']:.0f} s = "
              f"{quick['env_steps_per_s']:.0f} env steps/s (ratio {res['ratio_cli_hybrid_quick_to_bare']:.2f})")
    print(f"load average {load0:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs -> {args.out}")


if __name__ == "__main__":
    main()
