"""Training loop: budget-bounded ``algo.train()`` with a progress bar, a learning curve, checkpoint + sidecar."""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rl_gait.errors import RlGaitError
from rl_gait.learner.checkpoint import (
    CHECKPOINT_SUBDIR,
    Policy,
    load_policy,
    read_sidecar,
    resolve_checkpoint_dir,
    resume_algorithm,
    save_algorithm,
    update_sidecar,
    write_sidecar,
)
from rl_gait.learner.config import ImitationPPOConfig
from rl_gait.learner.discriminator import DISCRIMINATOR_MODULE_ID
from rl_gait.learner.evaluation import evaluate
from rl_gait.learner.imitation_learner import (
    BC_LOSS,
    DISC_ACC_EXPERT,
    DISC_ACC_POLICY,
    DISC_LOSS,
    ENV_REWARD_MEAN,
    STYLE_REWARD_MEAN,
)
from rl_gait.learner.params import Budget
from rl_gait.learner.ray_session import start_ray

CSV_COLUMNS: tuple[str, ...] = (
    "iteration", "env_steps", "wall_s", "episode_return_mean", "episode_len_mean",
    "policy_loss", "vf_loss", "entropy", "mean_kl_loss", "curr_kl_coeff", BC_LOSS, ENV_REWARD_MEAN, STYLE_REWARD_MEAN,
    DISC_LOSS, DISC_ACC_EXPERT, DISC_ACC_POLICY, "rmse_deg_mean", "fall_rate", "endpoint_error_cm",
)


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` produced.

    Attributes:
        checkpoint_dir: ``out_dir/checkpoint`` (RLlib checkpoint with the ``rl_gait.json`` sidecar).
        steps: env steps sampled.
        iterations: training iterations run.
        wall_s: training wall time (s), excluding Ray start-up and the final evaluation.
        fidelity: metrics of :func:`rl_gait.learner.evaluate` on the saved policy.
        training_csv: learning curve, one row per iteration (:data:`CSV_COLUMNS`).
    """

    checkpoint_dir: Path
    steps: int
    iterations: int
    wall_s: float
    fidelity: dict[str, float] = field(default_factory=dict)
    training_csv: Path | None = None


def _get(d: dict, *keys: str, default: float = math.nan) -> float:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    try:
        return float(d)
    except (TypeError, ValueError):
        return default


def _row(it: int, steps: int, wall_s: float, result: dict[str, Any]) -> dict[str, float]:
    er, lr = result.get("env_runners", {}), result.get("learners", {})
    pol, disc = lr.get("default_policy", {}), lr.get(DISCRIMINATOR_MODULE_ID, {})
    return {
        "iteration": it, "env_steps": steps, "wall_s": round(wall_s, 3),
        "episode_return_mean": _get(er, "episode_return_mean"), "episode_len_mean": _get(er, "episode_len_mean"),
        "policy_loss": _get(pol, "policy_loss"), "vf_loss": _get(pol, "vf_loss"), "entropy": _get(pol, "entropy"),
        "mean_kl_loss": _get(pol, "mean_kl_loss"), "curr_kl_coeff": _get(pol, "curr_kl_coeff"),
        BC_LOSS: _get(pol, BC_LOSS), ENV_REWARD_MEAN: _get(pol, ENV_REWARD_MEAN),
        STYLE_REWARD_MEAN: _get(pol, STYLE_REWARD_MEAN), DISC_LOSS: _get(disc, DISC_LOSS),
        DISC_ACC_EXPERT: _get(disc, DISC_ACC_EXPERT), DISC_ACC_POLICY: _get(disc, DISC_ACC_POLICY),
        "rmse_deg_mean": math.nan, "fall_rate": math.nan, "endpoint_error_cm": math.nan,
    }


def train(
    config: ImitationPPOConfig,
    *,
    budget: Budget,
    out_dir: str | Path,
    progress: bool = True,
    patient_id: str = "anonymous",
    command: str | None = None,
    extra_sidecar: dict[str, Any] | None = None,
    resume_from: str | Path | None = None,
) -> TrainResult:
    """Train until ``budget`` is spent, then save ``out_dir/checkpoint`` + sidecar and ``out_dir/training.csv``.

    ``resume_from``: an earlier run's output (``OUT`` or ``OUT/checkpoint``, built from the same ``config``) to go
    on training from (:func:`~rl_gait.learner.checkpoint.resume_algorithm`) once its sidecar's hashes check out:
    its env steps count on, its wall time does not (``budget.env_steps`` is lifetime, ``wall_time_s`` this run's).

    Fidelity is measured every ``budget.eval_every_iters`` iterations (on the EnvRunner's current
    policy) and at the end on the saved, hash-verified policy reloaded from disk.
    """
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    start_ray()
    env = config.rl_gait_env
    eval_kwargs = dict(n_rollouts=budget.eval_rollouts, seed=10_000 + (config.seed or 0),
                       duration_s=budget.eval_duration_s)
    csv_path = out / "training.csv"
    earlier = None
    if resume_from is not None:
        earlier = resolve_checkpoint_dir(resume_from)
        read_sidecar(earlier, verify=True)  # every file's hash before RLlib unpickles its algorithm state
    algo = config.build_algo()
    if earlier is not None:
        resume_algorithm(algo, earlier)
    steps, it, t0 = 0, 0, time.perf_counter()
    last_fid: dict[str, float] = {}
    bar = _progress_bar(progress, budget)
    try:
        with csv_path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            while True:
                result = algo.train()
                it += 1
                steps = int(_get(result, "env_runners", "num_env_steps_sampled_lifetime", default=0))
                wall = time.perf_counter() - t0
                row = _row(it, steps, wall, result)
                if budget.eval_every_iters and it % budget.eval_every_iters == 0:
                    module = algo.get_module()
                    if module is not None:
                        last_fid = evaluate(Policy(module), env, **eval_kwargs)
                        row.update({k: last_fid.get(k, math.nan) for k in ("rmse_deg_mean", "fall_rate",
                                                                            "endpoint_error_cm")})
                writer.writerow(row)
                fh.flush()
                if bar is not None:
                    bar[0].update(bar[1], completed=min(steps, budget.env_steps),
                                  ret=row["episode_return_mean"], rmse=last_fid.get("rmse_deg_mean", math.nan),
                                  falls=last_fid.get("fall_rate", math.nan))
                if steps >= budget.env_steps or time.perf_counter() - t0 >= budget.wall_time_s:
                    break
        wall = time.perf_counter() - t0
        ckpt = out / CHECKPOINT_SUBDIR
        save_algorithm(algo, ckpt)  # the algorithm (resume); the policy also without pickle (loading, warm starts)
    finally:
        if bar is not None:
            bar[0].stop()
        algo.stop()
    write_sidecar(ckpt, {
        "patient_id": patient_id,
        "command": command,
        "mode": config.rl_gait_mode,
        "env_id": env.env_id,
        "env_version": env.env_id.rsplit("-v", 1)[-1],
        "env_config": env.walk.to_dict(),
        "body": env.walk.body,
        "pd": env.walk.pd_params,
        "imitation": config.imitation_params,
        "config": _config_summary(config),
        "budget": budget,
        "steps": steps,
        "iterations": it,
        "wall_s": wall,
        **(extra_sidecar or {}),
    })
    policy = load_policy(ckpt)
    fidelity = evaluate(policy, env, **eval_kwargs)
    update_sidecar(ckpt, fidelity=fidelity)
    return TrainResult(checkpoint_dir=ckpt, steps=steps, iterations=it, wall_s=wall, fidelity=fidelity,
                       training_csv=csv_path)


def _config_summary(config: ImitationPPOConfig) -> dict[str, Any]:
    keys = ("lr", "gamma", "lambda_", "clip_param", "num_epochs", "minibatch_size", "train_batch_size_per_learner",
            "num_env_runners", "num_envs_per_env_runner", "num_learners", "num_gpus_per_learner", "seed", "kl_coeff",
            "entropy_coeff", "vf_clip_param")
    return {k: getattr(config, k, None) for k in keys}


def _progress_bar(enabled: bool, budget: Budget):
    if not enabled:
        return None
    try:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    except ImportError as err:  # pragma: no cover - rich is a dependency
        raise RlGaitError("rich is not installed", fix="pip install rich") from err
    # fidelity columns only where the budget measures fidelity (the task training does not: it showed nan)
    fidelity = ([TextColumn("RMSE {task.fields[rmse]:5.1f}°"), TextColumn("falls {task.fields[falls]:.2f}")]
                if budget.eval_every_iters else [])
    prog = Progress(
        TextColumn("[bold]train[/]"), BarColumn(), TextColumn("{task.completed:>9,.0f}/{task.total:,.0f} steps"),
        TextColumn("return {task.fields[ret]:7.2f}"), *fidelity, TimeElapsedColumn(),
    )
    task = prog.add_task("train", total=budget.env_steps, ret=math.nan, rmse=math.nan, falls=math.nan)
    prog.start()
    return prog, task
