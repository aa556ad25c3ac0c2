"""Train the healthy goal-conditioned atlas policy (the warm start of every patient) and ship it.

Hybrid learner (PPO + BC + GAIL) on ``rl_gait/MultiTaskWalk-v0`` with the healthy atlas references of
every task of the curriculum (level at five speeds, slopes up/down 2.5–12.5°, stairs up/down 8–20 cm),
tasks sampled per episode, levels advanced by success. Resumable: every ``--save-every`` iterations
the full algorithm, the curriculum state and the progress go to ``--out``; rerunning the same command
continues from there (several stretches, or a bigger machine with more ``--runners``). A new ``--out``
with ``--warm-start DIR`` (e.g. the shipped policy) continues that policy: its curriculum levels, steps,
wall time and stretches carry over into the new sidecar.
``--stair-heights 0.04,0.08,...`` replaces the stairs families' step heights (e.g. an easier first level).
``--weakness LO,HI`` weakens a random side's PD gains and torque limits by a factor drawn in [LO, HI] per
episode; ``--weakness-families level,hemiparetic`` weakens only those families' episodes.
``--advance-on evaluation`` lets only deterministic evaluation episodes advance the curriculum (what the
policy does when it predicts). ``--ship`` evaluates the candidate and the shipped policy on the same seeded
rollouts (every task and level; whole body and each side weakened; in parallel processes) and exports the
policy module (< 1 MB) and its sidecar to ``rl_gait/data/atlas_policy`` only if the candidate is equal or
better on every one (else ``OUT/ship_refused.json``). A cell that got worse over ``--eval-seeds`` rollouts
is rolled out again for both policies over ``--retest-seeds`` (the first ones the same) and then counts as
worse only if the drop is significant (one-sided Boschloo exact test, p < ``--regression-alpha``).
``--minutes 0 --ship`` ships an existing ``--out``.
The measured stretches (settings, curriculum progress, evaluations, why a stretch was or was not
shipped) are in ``docs/atlas_training.md``.
``kill PID`` (SIGTERM) ends a stretch early at the next iteration, saved and recorded.
Stair references are fitted to the treads of the body (``WalkEnv(stair_fit=True)``, :mod:`rl_gait.envs.stair_fit`)
and the level approach of slopes and stairs is walked with the level gait, blending into the task's reference
over the step onto the feature (``WalkEnv(level_approach=True)``); the shipped policy is trained (and was shipped)
on both. ``--no-stair-fit`` / ``--no-level-approach`` train on what policies before 2026-11-27 saw.
``--feature-start-prob`` / ``--max-lag-m`` turn on the env's spatial RSI and lag termination (off by
default: in the stretches measured so far they did not get stairs up learned; with ``--advance-on
evaluation`` the lag termination ends evaluation episodes too). ``--max-retreat-m 0.5`` ends an episode
whose walker backs 0.5 m away from the farthest point it reached: the shipped policy's usual stairs-up
failure was to climb one to five steps and walk back down them, tracking the reference's joint angles.
``--anchor-coeff C --anchor-class-weights stairs_up=0`` adds ``C ×`` the distance between the policy's mean
actions and the warm start's on every sampled state but stairs up (kickstarting): a stretch meant to teach
stairs up keeps what the warm start could do elsewhere, which the equal-or-better ship rule asks for; a
class weight above 1 (``stairs_down=4``) holds a skill that drifts anyway harder.
``--anchor-states N`` also anchors on the warm start's own rollouts (N seeds per task, level and body, seeds
2000+; the ship evaluation uses 1000+), so skills the training batch never visits (stairs above the
curriculum's level) are kept too.

    python experiments/train_atlas_policy.py --minutes 30 --runners 2 --out runs/atlas_policy --ship
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from rl_gait.learner.params import SAMPLING

SHIP_DIR = Path(__file__).resolve().parents[1] / "rl_gait" / "data" / "atlas_policy"
LEVEL_SPEEDS_M_S = (0.8, 0.95, 1.1, 1.25, 1.4)


@dataclass
class Args:
    out: str = "runs/atlas_policy"
    minutes: float = 30.0
    runners: int = SAMPLING.num_env_runners  # the project's measured sampling defaults (docs/throughput.md)
    envs_per_runner: int = SAMPLING.num_envs_per_env_runner
    seed: int = 0
    save_every: int = 5
    warm_start: str = ""
    ship: bool = False
    eval_seeds: int = 3
    retest_seeds: int = 30  # --ship: cells that got worse over eval_seeds rollouts are rolled out this often
    regression_alpha: float = 0.1  # --ship: after the retest a drop is a regression if its one-sided p < this
    eval_duration_s: float = 10.0
    family_weights: str = "level=2,slope_up=1,slope_down=1,stairs_up=1,stairs_down=1"
    feature_start_prob: float = 0.0  # > 0: spatial RSI along slopes / stairs (WalkEnv)
    max_lag_m: float = 0.0  # > 0: end episodes that fall this far behind the target speed (WalkEnv)
    max_retreat_m: float = 0.0  # > 0: end episodes that walk back this far from their farthest point (WalkEnv)
    weakness: str = ""  # "lo,hi": weaken a random side's PD by a factor in [lo, hi] per episode (WalkEnv)
    weakness_families: str = ""  # "level,hemiparetic": only these families' episodes are weakened; "" = all
    trunk_pitch: str = "upright"  # or "reference": the upright target is each reference's consistent pitch (WalkEnv)
    stair_fit: bool = True  # stair references fitted to the treads of the body (WalkEnv(stair_fit=True))
    level_approach: bool = True  # the level approach walked with the level gait (WalkEnv(level_approach=True))
    advance_on: str = "training"  # or "evaluation": deterministic evaluation episodes advance the curriculum
    evaluation_interval: int = 5  # with --advance-on evaluation: iterations between evaluations
    evaluation_steps: int = 4000  # with --advance-on evaluation: deterministic env steps per evaluation
    hemiparetic: int = 0  # > 0: a family "hemiparetic" of this many impaired level references (one level)
    stair_heights: str = ""  # "h1,...": step heights (m) of the stairs up/down levels; "" = default_levels' 8–20 cm
    review_prob: float = 0.2  # probability that an episode replays an easier, passed level of its family
    review_by_failure: bool = False  # replay passed levels by their recent failure rate, not uniformly
    anchor_coeff: float = 0.0  # > 0: keep the policy's actions near the warm start's (ImitationParams.anchor_coeff)
    anchor_class_weights: str = ""  # "stairs_up=0,stairs_down=4": per terrain class, 0 = free (the skill to change)
    anchor_states: int = 0  # > 0: also anchor on the warm start's own rollouts, this many seeds per task and body


def parse() -> Args:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for k, v in asdict(Args()).items():
        if isinstance(v, bool):
            p.add_argument(f"--{k.replace('_', '-')}", action=argparse.BooleanOptionalAction, default=v)
        else:
            p.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    return Args(**vars(p.parse_args()))


def env_options(args: Args) -> dict:
    """The run's :class:`~rl_gait.envs.walk.WalkEnv` options that change what a reference asks of the body
    (training, evaluations and anchor states alike)."""
    return {"trunk_pitch": args.trunk_pitch, "stair_fit": args.stair_fit, "level_approach": args.level_approach}


def parse_weights(text: str) -> dict[str, float]:
    """``"level=2,stairs_up=3"`` → ``{"level": 2.0, "stairs_up": 3.0}``."""
    return {k.strip(): float(v) for k, v in (item.split("=") for item in text.split(",") if item.strip())}


def parse_range(text: str) -> tuple[float, float] | None:
    """``"0.5,1"`` → ``(0.5, 1.0)``; ``""`` → ``None``."""
    if not text.strip():
        return None
    lo, hi = (float(v) for v in text.split(","))
    return lo, hi


def hemiparetic_models(n: int, seed: int = 0):
    """``n`` seeded hemiparetic gaits (:class:`~rl_gait.reference.impaired.ImpairmentModel`): sides
    alternate; knee-swing reduction 0.1–0.7, push-off reduction 0.2–0.8, stance shift 0–8 %, speed
    0.4–0.9 m/s (community stroke walkers), paretic knee/ankle range-of-motion scale 0.1–1 (stiff-knee
    gait), drawn uniformly."""
    from rl_gait.reference.impaired import ImpairmentModel

    rng = np.random.default_rng(seed)
    return [ImpairmentModel(paretic_side=("left", "right")[i % 2], knee_swing_flexion_reduction=rng.uniform(0.1, 0.7),
                            pushoff_reduction=rng.uniform(0.2, 0.8), stance_shift_pct=rng.uniform(0.0, 8.0),
                            speed_m_s=rng.uniform(0.4, 0.9), paretic_rom_scale=rng.uniform(0.1, 1.0))
            for i in range(n)]


def curriculum_setup(family_weights: dict[str, float], hemiparetic: int = 0,
                     stair_heights: tuple[float, ...] = (), review_prob: float = 0.2,
                     review_by_failure: bool = False):
    """Curriculum and references: the healthy atlas's per task; with ``hemiparetic`` > 0 also a family
    ``hemiparetic`` (one level: level ground at the reference's own speed) whose task draws one of that
    many impaired references (:func:`hemiparetic_models`) per episode; ``stair_heights`` (m, easiest
    first) replaces the stairs families' step heights; ``review_prob``, ``review_by_failure``: see
    :class:`~rl_gait.curriculum.CurriculumConfig`."""
    from rl_gait.curriculum import CurriculumConfig, default_levels
    from rl_gait.reference import healthy_reference
    from rl_gait.reference.impaired import impaired_reference
    from rl_gait.tasks import Task

    levels = default_levels(LEVEL_SPEEDS_M_S)
    for family in ("stairs_up", "stairs_down") if stair_heights else ():
        levels[family] = tuple(replace(levels[family][0], step_height_m=h) for h in stair_heights)
    if hemiparetic:
        if "hemiparetic" not in family_weights:
            raise SystemExit("--hemiparetic N needs the family's weight: add hemiparetic=W to --family-weights")
        levels["hemiparetic"] = (Task("level"),)
    cfg = CurriculumConfig(levels=levels, family_weights=family_weights, review_prob=review_prob,
                           review_by_failure=review_by_failure)
    # every family's references, trained or not (weight 0): the ship evaluation rolls out all of them
    refs = {t.name: healthy_reference(t) for tasks in levels.values() for t in tasks}
    if hemiparetic:
        refs[Task("level").name] = tuple(impaired_reference(m) for m in hemiparetic_models(hemiparetic))
    return cfg, refs


WEAK_EVAL_FACTOR = 0.6  # the shipped sidecar also reports success with one side's PD at this factor
EVAL_SEED = 1000  # ship evaluation rollout s uses seed EVAL_SEED + s
ANCHOR_SEED = 2000  # anchor states come from other seeds than the ship evaluation's


def evaluate_tasks(policy, cfg, refs, *, seeds: int, duration_s: float, weak_side: str | None = None,
                   cells: tuple[str, ...] | None = None, first_seed: int = EVAL_SEED,
                   states: list | None = None, env_options: dict | None = None) -> dict:
    """Deterministic rollouts of ``policy`` (:class:`~rl_gait.learner.Policy`) on every task and level
    (or only ``cells``, e.g. ``("stairs_up/L0",)``): success rate and distance over ``seeds`` seeded
    rollouts; with ``weak_side`` on a body whose PD gains and torque limits on that side are scaled by
    ``WEAK_EVAL_FACTOR``. Rollout ``s`` always uses seed ``first_seed + s``, so more seeds extend fewer.
    ``states``: a list every observation the policy acted on is appended to; ``env_options``: the envs'
    (:class:`~rl_gait.envs.walk.WalkEnv`) options of the run (:func:`env_options`)."""
    from rl_gait.body import BodyParams, PDParams
    from rl_gait.curriculum.env import reference_pool
    from rl_gait.envs.walk import WalkEnv

    out: dict[str, dict] = {}
    pd = PDParams.default_for(BodyParams())
    if weak_side:
        pd = pd.scaled(weak_side, kp=WEAK_EVAL_FACTOR, torque=WEAK_EVAL_FACTOR)
    env = WalkEnv(episode_duration_s=duration_s, pd=pd, **(env_options or {}))
    for fam, tasks in cfg.levels.items():  # every family, also one this stretch does not train (weight 0)
        for lvl, task in enumerate(tasks):
            key = f"{fam}/L{lvl}"
            if cells is not None and key not in cells:
                continue
            succ, dist = [], []
            pool = reference_pool(refs[task.name])
            for s in range(seeds):  # a pool of references: rollout s uses reference s (cyclically)
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


FIDELITY_KEYS = ("rmse_deg_mean", "pearson_r_mean", "endpoint_error_cm", "speed_error_pct", "n_strides",
                 "success_rate")
"""What the shipped sidecar keeps of :func:`rl_gait.learner.evaluation.evaluate` per task."""


def fidelity_per_task(policy, cfg, refs, *, seeds: int, duration_s: float, env_options: dict | None = None) -> dict:
    """``{task name: {key: value}}`` (:data:`FIDELITY_KEYS`: joint-curve RMSE (deg) and Pearson r, ankle
    endpoint error (cm), speed error (%), strides found, success) of ``seeds`` deterministic rollouts (seeds
    ``EVAL_SEED + s``) on the healthy body, for every level of every family with one reference per task (the
    hemiparetic family's pool is left out: a population, not one target)."""
    from rl_gait.curriculum.env import reference_pool
    from rl_gait.learner.evaluation import evaluate

    out: dict[str, dict] = {}
    for tasks in cfg.levels.values():
        for task in tasks:
            pool = reference_pool(refs[task.name])
            if len(pool) != 1:
                continue
            m = evaluate(policy, {"task": task, "reference": pool[0], **(env_options or {})}, n_rollouts=seeds,
                         seed=EVAL_SEED, duration_s=duration_s)
            out[task.name] = {k: float(m[k]) for k in FIDELITY_KEYS}
    return out


BODIES = ("healthy", "l", "r")  # the whole body, and the left / right side weakened to WEAK_EVAL_FACTOR
_FORKED: dict = {}  # what forked evaluation workers inherit (policies are not pickled)


def _evaluate_job(job: tuple) -> dict:
    policy, body, seeds, cells = job
    return evaluate_tasks(_FORKED["policies"][policy], _FORKED["cfg"], _FORKED["refs"], seeds=seeds,
                          duration_s=_FORKED["duration_s"], env_options=_FORKED["env_options"],
                          weak_side=None if body == "healthy" else body,
                          cells=cells)


def evaluate_policies(policies: dict, cfg, refs, jobs: list[tuple], *, duration_s: float,
                      workers: int | None = None, env_options: dict | None = None) -> dict[str, dict[str, dict]]:
    """Run :func:`evaluate_tasks` jobs ``(policy name, body, seeds, cells or None)`` in ``workers``
    forked processes (default: one per CPU, at most one per job), ``body`` one of :data:`BODIES`.
    Returns policy name → body → cell → result, the cells of a policy's jobs on one body merged."""
    import multiprocessing as mp
    import os

    _FORKED.update(policies=policies, cfg=cfg, refs=refs, duration_s=duration_s, env_options=env_options)
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    if workers == 1:
        results = [_evaluate_job(j) for j in jobs]
    else:
        with mp.get_context("fork").Pool(workers) as pool:
            results = pool.map(_evaluate_job, jobs, chunksize=1)
    out: dict[str, dict[str, dict]] = {}
    for (policy, body, _, _), cells in zip(jobs, results, strict=True):
        out.setdefault(policy, {}).setdefault(body, {}).update(cells)
    return out


def collect_anchor_states(policy, cfg, refs, *, seeds: int, duration_s: float, path: Path,
                          env_options: dict | None = None) -> Path:
    """Save (``obs [N, D]`` in ``path``) the states of ``policy``'s own deterministic rollouts on every task
    and level, on the whole body and with each side weakened as in the ship evaluation (seeds
    ``ANCHOR_SEED + s``): where ``--anchor-states`` keeps the trained policy near its warm start."""
    states: list = []
    for body in BODIES:
        evaluate_tasks(policy, cfg, refs, seeds=seeds, duration_s=duration_s, env_options=env_options,
                       weak_side=None if body == "healthy" else body, first_seed=ANCHOR_SEED, states=states)
    np.savez_compressed(path, obs=np.asarray(states, dtype=np.float32))
    return path


def worse_p_value(successes_shipped: int, successes_candidate: int, rollouts_shipped: int,
                  rollouts_candidate: int) -> float:
    """One-sided p-value of "the candidate succeeds less often than the shipped policy" from two success
    counts (Boschloo's exact test, ``scipy.stats.boschloo_exact``; 1.0 when the candidate is not worse)."""
    from scipy.stats import boschloo_exact

    if successes_candidate / rollouts_candidate >= successes_shipped / rollouts_shipped:
        return 1.0
    table = [[successes_shipped, rollouts_shipped - successes_shipped],
             [successes_candidate, rollouts_candidate - successes_candidate]]
    return float(boschloo_exact(table, alternative="greater").pvalue)


def regressed_cells(candidate: dict[str, dict], shipped: dict[str, dict],
                    alpha: float | None = None) -> list[tuple[str, str]]:
    """``(body, "family/Lk")`` of the cells where ``candidate`` succeeds less often than ``shipped``: at all
    (``alpha`` None), or with :func:`worse_p_value` below ``alpha`` given each cell's ``successes`` and
    ``rollouts``. Both are evaluations body → cell → ``success_rate``, ``successes``, ``rollouts``; a cell
    the shipped policy was not evaluated on cannot regress."""
    out = []
    for body, cells in candidate.items():
        for key, cell in cells.items():
            before = shipped.get(body, {}).get(key)
            if before is None or cell["success_rate"] >= before["success_rate"] - 1e-9:
                continue
            if alpha is None or worse_p_value(before["successes"], cell["successes"],
                                              before["rollouts"], cell["rollouts"]) < alpha:
                out.append((body, key))
    return out


def ship_regressions(candidate: dict[str, dict], shipped: dict[str, dict], alpha: float | None = None) -> list[str]:
    """:func:`regressed_cells` as messages (:func:`describe_cells`). A candidate ships only when this list
    is empty."""
    return describe_cells(regressed_cells(candidate, shipped, alpha), candidate, shipped)


def describe_cells(cells: list[tuple[str, str]], candidate: dict[str, dict], shipped: dict[str, dict]) -> list[str]:
    """``(body, "family/Lk")`` cells as messages, e.g. ``"stairs_down/L0 weak l: 0.33 → 0.00"``."""
    return [f"{key if body == 'healthy' else f'{key} weak {body}'}: "
            f"{shipped[body][key]['success_rate']:.2f} → {candidate[body][key]['success_rate']:.2f}"
            for body, key in cells]


def retest_jobs(suspects: list[tuple[str, str]], seeds: int) -> list[tuple]:
    """Evaluation jobs that roll both policies out again on the ``suspects`` cells with ``seeds`` seeds:
    one job per policy and body."""
    by_body: dict[str, list[str]] = {}
    for body, key in suspects:
        by_body.setdefault(body, []).append(key)
    return [(policy, body, seeds, tuple(keys)) for body, keys in by_body.items()
            for policy in ("candidate", "shipped")]


def main() -> None:
    args = parse()
    import ray
    import torch

    from rl_gait.curriculum.callbacks import push_levels
    from rl_gait.curriculum.training import multitask_config
    from rl_gait.learner import ImitationParams, Policy, load_policy, resume_algorithm
    from rl_gait.learner.checkpoint import save_algorithm
    from rl_gait.learner.training import ensure_ray

    torch.set_num_threads(1)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    progress_path, cur_path, algo_dir = out / "progress.json", out / "curriculum.json", out / "algorithm"
    progress = json.loads(progress_path.read_text()) if progress_path.exists() else {
        "env_steps": 0, "iterations": 0, "wall_s": 0.0, "stretches": []}

    cfg, refs = curriculum_setup(parse_weights(args.family_weights), args.hemiparetic,
                                 tuple(float(h) for h in args.stair_heights.split(",") if h.strip()),
                                 args.review_prob, args.review_by_failure)
    if cur_path.exists():
        cur_state = json.loads(cur_path.read_text())
    elif args.warm_start:  # a new run from a shipped policy starts at the levels that policy reached
        from rl_gait.learner.checkpoint import read_sidecar
        before = read_sidecar(args.warm_start)
        reached = before.get("curriculum_levels_reached", {})
        cur_state = {"levels": {f: int(v) for f, v in reached.items() if f in cfg.families}}
        # the new run continues the warm start's history: its steps, wall time and stretches count
        progress.update(env_steps=int(before.get("steps", 0)), iterations=int(before.get("iterations", 0)),
                        wall_s=float(before.get("wall_s", 0.0)), stretches=list(before.get("stretches", [])),
                        warm_start={"path": args.warm_start, "levels": cur_state["levels"]})
    else:
        cur_state = None
    imitation = ImitationParams(anchor_coeff=args.anchor_coeff, anchor_class_weights=parse_weights(
        args.anchor_class_weights)) if args.anchor_coeff > 0 else None
    anchor_states = None
    if imitation is not None and args.anchor_states > 0:
        anchor_states = out / f"anchor_states-{args.anchor_states}.npz"
        if not anchor_states.exists():
            collect_anchor_states(load_policy(args.warm_start), cfg, refs, seeds=args.anchor_states,
                                  duration_s=args.eval_duration_s, path=anchor_states, env_options=env_options(args))
    config, cur = multitask_config(
        curriculum=cfg, references=refs, out_dir=out, warm_start=args.warm_start or None, seed=args.seed,
        imitation=imitation, anchor_states=anchor_states,
        curriculum_state=cur_state, feature_start_prob=args.feature_start_prob, max_lag_m=args.max_lag_m or None,
        max_retreat_m=args.max_retreat_m or None,
        weakness_range=parse_range(args.weakness),
        weakness_families=tuple(f.strip() for f in args.weakness_families.split(",") if f.strip()) or None,
        **env_options(args), advance_on=args.advance_on, evaluation_interval=args.evaluation_interval,
        evaluation_steps=args.evaluation_steps,
        num_env_runners=args.runners, num_envs_per_env_runner=args.envs_per_runner)
    ensure_ray(num_cpus=max(2, args.runners + 1))
    algo = config.build_algo()
    if algo_dir.exists():
        resume_algorithm(algo, algo_dir)
        push_levels(algo, cur)
        print(f"resumed from {algo_dir} at {progress['env_steps']:,} steps, levels {cur.levels}", flush=True)

    t0, it0, steps0, wall0 = time.time(), progress["iterations"], progress["env_steps"], progress["wall_s"]
    stretch_steps = 0

    def save() -> None:
        save_algorithm(algo, algo_dir)  # with its policy (no pickle) and the digest resume_algorithm checks
        cur_path.write_text(json.dumps(cur.state()))
        progress.update(env_steps=steps0 + stretch_steps, iterations=it0 + it, wall_s=wall0 + (time.time() - t0))
        progress_path.write_text(json.dumps(progress, indent=2))

    stop = []  # SIGTERM (e.g. `kill PID`): finish the iteration, save, record the stretch, then exit
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    it = 0
    while time.time() - t0 < args.minutes * 60 and not stop:
        r = algo.train()
        it += 1
        er = r["env_runners"]
        stretch_steps += int(er.get("num_env_steps_sampled", 0))
        cur_info = r.get("curriculum", {})
        rates = " ".join(f"{k}={v:.2f}" for k, v in sorted(cur_info.get("success_rate_iteration", {}).items())
                         if np.isfinite(v))
        n_eval = cur_info.get("episodes_evaluation", {})
        evals = " ".join(f"{k}={v:.2f}({n_eval.get(k, 0)})"
                         for k, v in sorted(cur_info.get("success_rate_evaluation", {}).items()) if np.isfinite(v))
        print(f"it {it0 + it:4d} {time.time() - t0:6.0f}s steps {steps0 + stretch_steps:9,d} "
              f"ret {er.get('episode_return_mean', float('nan')):7.2f} len {er.get('episode_len_mean', 0):6.1f} "
              f"levels {cur_info.get('levels')} success {rates}" + (f" | deterministic {evals}" if evals else "")
              + (f" | anchor {anchor:.4f}" if (anchor := r["learners"].get("default_policy", {}).get("anchor_loss"))
                 is not None else ""),
              flush=True)
        if it % args.save_every == 0:
            save()
    save()
    if it:  # a --minutes 0 run (e.g. only --ship) is no stretch
        progress["stretches"].append({"minutes": round((time.time() - t0) / 60, 1), "runners": args.runners,
                                      "iterations": it, "env_steps": stretch_steps, "command": " ".join(sys.argv),
                                      **({"stopped": "SIGTERM"} if stop else {})})
    progress_path.write_text(json.dumps(progress, indent=2))
    module = algo.get_module()
    algo.stop()
    ray.shutdown()

    if args.ship:
        ship(Policy(module), cfg, refs, cur.levels, progress, args)


def ship(candidate, cfg, refs, levels: dict[str, int], progress: dict, args: Args) -> None:
    """Evaluate ``candidate`` and the shipped policy on the same seeded rollouts (every task and level;
    whole body and each side weakened) and replace the shipped policy only if the candidate is equal or
    better everywhere (:func:`ship_regressions`), its sidecar with the success per cell and the fidelity per
    task (:func:`fidelity_per_task`); otherwise write both evaluations to
    ``OUT/ship_refused.json`` and stop with the regressions listed.

    With 3 rollouts a cell is decided by one episode, and over ~90 cells some cell of any changed policy
    drops by one: every cell that got worse is rolled out again for both policies over
    ``args.retest_seeds`` (the first rollouts the same ones) and stays a regression only if the drop is
    significant there: one-sided Boschloo p < ``args.regression_alpha`` (:func:`worse_p_value`)."""
    from rl_gait.learner import load_policy
    from rl_gait.learner.checkpoint import POLICY_SUBDIR, write_sidecar

    out = Path(args.out).resolve()
    kw = dict(seeds=args.eval_seeds, duration_s=args.eval_duration_s)
    shipped = load_policy(SHIP_DIR) if SHIP_DIR.exists() else None  # before minutes of rollouts: fail fast
    policies = {"candidate": candidate, **({"shipped": shipped} if shipped else {})}
    ev = evaluate_policies(policies, cfg, refs, [(p, b, args.eval_seeds, None) for p in policies for b in BODIES],
                           duration_s=args.eval_duration_s, env_options=env_options(args))
    new, old = ev["candidate"], ev.get("shipped", {})
    for k, v in new["healthy"].items():
        was = " | ".join(f"{old[b][k]['success_rate']:.2f}" if k in old.get(b, {}) else "-" for b in BODIES)
        print(f"{k:16s} {v['task']:22s} success {v['success_rate']:.2f} distance {v['distance_m']:.1f} m | "
              f"{WEAK_EVAL_FACTOR:g}-weak l {new['l'][k]['success_rate']:.2f} r {new['r'][k]['success_rate']:.2f}"
              f"   (shipped: {was})")
    suspects = regressed_cells(new, old)
    retest: dict = {}
    alpha = None
    if suspects and args.retest_seeds > args.eval_seeds:
        # a few rollouts decide a cell by one episode: look again, longer, at every cell that got worse;
        # the first eval_seeds rollouts are the same ones, so the retest only adds evidence
        print(f"retesting {len(suspects)} cells over {args.retest_seeds} rollouts: "
              + "; ".join(describe_cells(suspects, new, old)), flush=True)
        rt = evaluate_policies(policies, cfg, refs, retest_jobs(suspects, args.retest_seeds),
                               duration_s=args.eval_duration_s, env_options=env_options(args))
        retest = {"seeds": args.retest_seeds, "candidate": rt["candidate"], "shipped": rt["shipped"]}
        new = {b: {**new[b], **rt["candidate"].get(b, {})} for b in new}
        old = {b: {**old[b], **rt["shipped"].get(b, {})} for b in old}
        alpha = args.regression_alpha
    regressions = ship_regressions(new, old, alpha)
    if regressions:
        (out / "ship_refused.json").write_text(json.dumps(
            {"candidate": new, "shipped": old, "regressions": regressions, "evaluation": kw,
             "retest": retest}, indent=2))
        raise SystemExit(f"{out}: not shipped, worse than the shipped policy on {len(regressions)} cells "
                         f"({'; '.join(regressions)}); both evaluations are in {out / 'ship_refused.json'}")
    if SHIP_DIR.exists():
        shutil.rmtree(SHIP_DIR)
    shutil.copytree(out / "algorithm" / POLICY_SUBDIR, SHIP_DIR / POLICY_SUBDIR)
    write_sidecar(SHIP_DIR, {
        "patient_id": "healthy-atlas",
        "command": "python experiments/train_atlas_policy.py " + " ".join(sys.argv[1:]),
        "mode": "hybrid",
        "env_id": "rl_gait/MultiTaskWalk-v0",
        "env_version": "0",
        "env_options": env_options(args),  # what the policy's references were (trunk pitch, stair fit, approach)
        "curriculum_levels_reached": levels,
        "curriculum_tasks": {f: [t.name for t in cfg.levels[f]] for f in cfg.families},
        "steps": progress["env_steps"],
        "iterations": progress["iterations"],
        "wall_s": progress["wall_s"],
        "stretches": progress["stretches"],
        "success_per_task_and_level": new["healthy"],
        "success_per_task_and_level_weak_side": {"factor": WEAK_EVAL_FACTOR, "l": new["l"], "r": new["r"]},
        "evaluation": {**kw, "deterministic": True, "retest": retest},
        # how closely it tracks each task's reference (healthy body, the evaluation's seeds)
        "fidelity": fidelity_per_task(candidate, cfg, refs, seeds=args.eval_seeds, duration_s=args.eval_duration_s,
                                      env_options=env_options(args)),
    })
    print(f"shipped → {SHIP_DIR}")

if __name__ == "__main__":
    main()
