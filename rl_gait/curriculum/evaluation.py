"""The evaluation grid of a multi-task policy: every task and level of a curriculum, on every body.

:class:`EvaluationGrid` rolls a policy out deterministically on every level of every family of a curriculum
(also a family a training stretch gives weight 0: a skill it could have lost), on the whole body and with
each side's PD gains and torque limits scaled by :data:`WEAK_EVAL_FACTOR` (:data:`BODIES`), seeds
``first_seed + s``, so more seeds extend fewer. The same grid gives the fidelity per task (the learner's
:func:`~rl_gait.learner.evaluation.evaluate`) and the anchor states (the warm start's own rollouts,
``ImitationParams.anchor_coeff``). :meth:`EvaluationGrid.evaluate_policies` runs jobs in forked processes
(policies hold torch modules: forked workers inherit them, nothing is pickled). The ship rule that reads these
evaluations is :mod:`rl_gait.curriculum.ship`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rl_gait.curriculum.curriculum import CurriculumConfig
from rl_gait.curriculum.env import References, reference_pool
from rl_gait.envs.config import WalkEnvConfig

WEAK_EVAL_FACTOR = 0.6
"""A weakened body's PD gains and torque limits on its weak side, as a factor of the whole body's."""
EVAL_SEED = 1000
"""Evaluation rollout ``s`` uses seed ``EVAL_SEED + s``."""
ANCHOR_SEED = 2000
"""Anchor states come from other seeds than the evaluation's."""
BODIES: tuple[str, ...] = ("healthy", "l", "r")
"""The whole body, and the left / right side weakened to :data:`WEAK_EVAL_FACTOR`."""
FIDELITY_KEYS: tuple[str, ...] = ("rmse_deg_mean", "pearson_r_mean", "endpoint_error_cm", "speed_error_pct",
                                  "n_strides", "success_rate")
"""What :meth:`EvaluationGrid.fidelity_per_task` keeps of :func:`rl_gait.learner.evaluation.evaluate` per task."""

Job = tuple[str, str, int, tuple[str, ...] | None]
"""``(policy name, body of BODIES, seeds, cells or None = all)``."""


@dataclass(frozen=True)
class EvaluationGrid:
    """Deterministic rollouts on every ``family/L<level>`` cell of ``curriculum`` (its ``levels``, weight 0 too).

    Attributes:
        curriculum: families and levels.
        references: a reference, or a pool, per task name (a pool: rollout ``s`` uses reference ``s``, cyclically).
        walk: the walking env's config of the run (body, PD, options); rolled out without its training-only options.
        duration_s: simulated seconds per rollout.
    """

    curriculum: CurriculumConfig
    references: References
    walk: WalkEnvConfig = field(default_factory=WalkEnvConfig)
    duration_s: float = 10.0

    def evaluate(self, policy: Any, *, seeds: int, weak_side: str | None = None,
                 cells: tuple[str, ...] | None = None, first_seed: int = EVAL_SEED,
                 states: list | None = None) -> dict[str, dict]:
        """``{"family/Lk": {task, success_rate, successes, distance_m, rollouts}}`` of ``seeds`` rollouts of
        ``policy`` (``act(obs)``) per cell (or only ``cells``), with ``weak_side`` (``"l"``/``"r"``) on a body
        weakened there; ``states``: a list every observation the policy acted on is appended to."""
        from rl_gait.envs.registration import make_walk_env

        pd = self.walk.pd_params
        if weak_side:
            pd = pd.scaled(weak_side, kp=WEAK_EVAL_FACTOR, torque=WEAK_EVAL_FACTOR)
        env = make_walk_env(self.walk.for_rollouts(episode_duration_s=self.duration_s, pd=pd))
        out: dict[str, dict] = {}
        for fam, tasks in self.curriculum.levels.items():
            for lvl, task in enumerate(tasks):
                key = f"{fam}/L{lvl}"
                if cells is not None and key not in cells:
                    continue
                succ, dist = [], []
                pool = reference_pool(self.references[task.name])
                for s in range(seeds):
                    obs, _ = env.reset(seed=first_seed + s, options={"task": task, "reference": pool[s % len(pool)]})
                    while True:
                        if states is not None:
                            states.append(obs.copy())
                        obs, _, term, trunc, info = env.step(policy.act(obs))
                        if term or trunc:
                            break
                    succ.append(bool(info["success"]))
                    dist.append(info["distance_m"])
                out[key] = {"task": task.name, "success_rate": float(np.mean(succ)), "successes": int(np.sum(succ)),
                            "distance_m": float(np.mean(dist)), "rollouts": seeds}
        return out

    def fidelity_per_task(self, policy: Any, *, seeds: int) -> dict[str, dict[str, float]]:
        """``{task name: {key: value}}`` (:data:`FIDELITY_KEYS`) of ``seeds`` deterministic rollouts (seeds
        ``EVAL_SEED + s``) on the whole body, for every level of every family with one reference per task (a
        pool is a population, not one target, and is left out)."""
        from rl_gait.learner.evaluation import evaluate

        out: dict[str, dict[str, float]] = {}
        for tasks in self.curriculum.levels.values():
            for task in tasks:
                pool = reference_pool(self.references[task.name])
                if len(pool) != 1:
                    continue
                m = evaluate(policy, self.walk.for_rollouts(task=task, reference=pool[0]), n_rollouts=seeds,
                             seed=EVAL_SEED, duration_s=self.duration_s)
                out[task.name] = {k: float(m[k]) for k in FIDELITY_KEYS}
        return out

    def anchor_states(self, policy: Any, *, seeds: int, path: str | Path) -> Path:
        """Save (``obs [N, D]`` float32 in ``path``) the states of ``policy``'s own rollouts on every cell and
        body (seeds ``ANCHOR_SEED + s``): where ``ImitationParams.anchor_coeff`` keeps a policy near it."""
        states: list = []
        for body in BODIES:
            self.evaluate(policy, seeds=seeds, weak_side=None if body == "healthy" else body,
                          first_seed=ANCHOR_SEED, states=states)
        np.savez_compressed(path, obs=np.asarray(states, dtype=np.float32))
        return Path(path)

    def evaluate_policies(self, policies: dict[str, Any], jobs: list[Job],
                          workers: int | None = None) -> dict[str, dict[str, dict]]:
        """Run :meth:`evaluate` jobs in ``workers`` forked processes (default: one per CPU, at most one per
        job). Returns policy name → body → cell → result, a policy's cells on one body merged."""
        import multiprocessing as mp

        workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
        if workers == 1:
            results = [_run_job(self, policies, job) for job in jobs]
        else:  # forked workers inherit the grid and the policies (initargs are not pickled under fork)
            with mp.get_context("fork").Pool(workers, initializer=_init_worker, initargs=(self, policies)) as pool:
                results = pool.map(_worker_job, jobs, chunksize=1)
        out: dict[str, dict[str, dict]] = {}
        for (policy, body, _, _), cells in zip(jobs, results, strict=True):
            out.setdefault(policy, {}).setdefault(body, {}).update(cells)
        return out


def _run_job(grid: EvaluationGrid, policies: dict[str, Any], job: Job) -> dict[str, dict]:
    policy, body, seeds, cells = job
    return grid.evaluate(policies[policy], seeds=seeds, weak_side=None if body == "healthy" else body, cells=cells)


_WORKER: tuple[EvaluationGrid, dict[str, Any]] | None = None  # set once per forked worker by _init_worker


def _init_worker(grid: EvaluationGrid, policies: dict[str, Any]) -> None:
    global _WORKER
    _WORKER = (grid, policies)


def _worker_job(job: Job) -> dict[str, dict]:
    assert _WORKER is not None, "a worker job runs in a pool made by EvaluationGrid.evaluate_policies"
    return _run_job(*_WORKER, job)
