"""Train the healthy goal-conditioned atlas policy (the warm start of every patient) and ship it.

Hybrid learner (PPO + BC + GAIL) on ``rl_gait/MultiTaskWalk-v0`` with the healthy atlas references of
every task of the curriculum (level at five speeds, slopes up/down 2.5–12.5°, stairs up/down 8–20 cm),
tasks sampled per episode, levels advanced by success. Resumable: every ``--save-every`` iterations
the full algorithm, the curriculum state and the progress go to ``--out``; rerunning the same command
continues from there (several stretches, or a bigger machine with more ``--runners``). A new ``--out``
with ``--warm-start DIR`` (e.g. the shipped policy) continues that policy: its curriculum levels, steps,
wall time and stretches carry over into the new sidecar.
The command line is generated from :class:`Args` (``tyro``; ``--help`` lists every switch with its type);
the walking env's settings are one :class:`~rl_gait.envs.config.WalkEnvConfig` under ``--env.*``.
``--stair-heights 0.04 0.08 ...`` replaces the stairs families' step heights (e.g. an easier first level).
``--env.weakness-range LO HI`` weakens a random side's PD gains and torque limits by a factor drawn in [LO, HI]
per episode; ``--weakness-families level hemiparetic`` weakens only those families' episodes.
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
on both. ``--env.no-stair-fit`` / ``--env.no-level-approach`` train on what older policies saw.
``--env.feature-start-prob`` / ``--env.max-lag-m`` turn on the env's spatial RSI and lag termination (off by
default: in the stretches measured so far they did not get stairs up learned; with ``--advance-on
evaluation`` the lag termination ends evaluation episodes too). ``--env.max-retreat-m 0.5`` ends an episode
whose walker backs 0.5 m away from the farthest point it reached: the shipped policy's usual stairs-up
failure was to climb one to five steps and walk back down them, tracking the reference's joint angles.
``--anchor-coeff C --anchor-class-weights.stairs-up 0`` adds ``C ×`` the distance between the policy's mean
actions and the warm start's on every sampled state but stairs up (kickstarting): a stretch meant to teach
stairs up keeps what the warm start could do elsewhere, which the equal-or-better ship rule asks for; a
class weight above 1 (``--anchor-class-weights.stairs-down 4``) holds a skill that drifts anyway harder.
``--anchor-states N`` also anchors on the warm start's own rollouts (N seeds per task, level and body, seeds
2000+; the ship evaluation uses 1000+), so skills the training batch never visits (stairs above the
curriculum's level) are kept too.

    python experiments/train_atlas_policy.py --minutes 30 --runners 2 --out runs/atlas_policy --ship
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import tyro

from rl_gait.curriculum.evaluation import BODIES, WEAK_EVAL_FACTOR, EvaluationGrid
from rl_gait.curriculum.ship import describe_cells, regressed_cells, retest_jobs, ship_regressions
from rl_gait.envs.config_cli import WalkEnvOptions
from rl_gait.learner.params import SAMPLING

SHIP_DIR = Path(__file__).resolve().parents[1] / "rl_gait" / "data" / "atlas_policy"


@dataclass(frozen=True)
class FamilyWeights:
    """Sampling weight of each curriculum family (0: not trained, still evaluated)."""

    level: float = 2.0
    slope_up: float = 1.0
    slope_down: float = 1.0
    stairs_up: float = 1.0
    stairs_down: float = 1.0
    hemiparetic: float = 0.0  # the impaired level gaits of --hemiparetic N


@dataclass(frozen=True)
class ClassWeights:
    """Anchor weight per terrain class (ImitationParams.anchor_class_weights): 0 frees the skill to change, above
    1 holds a skill that drifts anyway harder."""

    level: float = 1.0
    slope_up: float = 1.0
    slope_down: float = 1.0
    stairs_up: float = 1.0
    stairs_down: float = 1.0


@dataclass(frozen=True)
class Args:
    out: str = "runs/atlas_policy"
    minutes: float = 30.0
    runners: int = SAMPLING.num_env_runners  # the project's measured sampling defaults (docs/throughput.md)
    envs_per_runner: int = SAMPLING.num_envs_per_env_runner
    seed: int = 0
    save_every: int = 5
    warm_start: str | None = None  # a checkpoint (e.g. the shipped policy) whose policy and curriculum levels go on
    ship: bool = False
    eval_seeds: int = 3
    retest_seeds: int = 30  # --ship: cells that got worse over eval_seeds rollouts are rolled out this often
    regression_alpha: float = 0.1  # --ship: after the retest a drop is a regression if its one-sided p < this
    eval_duration_s: float = 10.0
    env: WalkEnvOptions = field(default_factory=WalkEnvOptions)  # the walking env (options, body, rewards)
    family_weights: FamilyWeights = field(default_factory=FamilyWeights)
    weakness_families: tuple[str, ...] | None = None  # only these families' episodes are weakened; None = all
    advance_on: Literal["training", "evaluation"] = "training"  # "evaluation": deterministic episodes advance it
    evaluation_interval: int = 5  # with --advance-on evaluation: iterations between evaluations
    evaluation_steps: int = 4000  # with --advance-on evaluation: deterministic env steps per evaluation
    hemiparetic: int = 0  # > 0: a family "hemiparetic" of this many impaired level references (one level)
    stair_heights: tuple[float, ...] = ()  # step heights (m) of the stairs up/down levels; () = 8–20 cm
    review_prob: float = 0.2  # probability that an episode replays an easier, passed level of its family
    review_by_failure: bool = False  # replay passed levels by their recent failure rate, not uniformly
    anchor_coeff: float = 0.0  # > 0: keep the policy's actions near the warm start's (ImitationParams.anchor_coeff)
    anchor_class_weights: ClassWeights = field(default_factory=ClassWeights)
    anchor_states: int = 0  # > 0: also anchor on the warm start's own rollouts, this many seeds per task and body


def grid_of(args: Args) -> EvaluationGrid:
    """The run's curriculum, references and walking env, as the grid its evaluations roll out."""
    from rl_gait.curriculum.atlas_setup import HEMIPARETIC, atlas_curriculum

    weights = {k: v for k, v in asdict(args.family_weights).items() if k != HEMIPARETIC or args.hemiparetic}
    cfg, refs = atlas_curriculum(weights, args.hemiparetic, args.stair_heights, args.review_prob,
                                 args.review_by_failure)
    return EvaluationGrid(cfg, refs, args.env.config(), duration_s=args.eval_duration_s)


def main() -> None:
    args = tyro.cli(Args, description=__doc__)
    import ray
    import torch

    from rl_gait.curriculum.callbacks import push_levels
    from rl_gait.curriculum.env import MultiTaskEnvConfig
    from rl_gait.curriculum.training import multitask_config
    from rl_gait.learner import ImitationParams, Policy, load_policy, resume_algorithm
    from rl_gait.learner.checkpoint import save_algorithm
    from rl_gait.learner.ray_session import start_ray

    torch.set_num_threads(1)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    progress_path, cur_path, algo_dir = out / "progress.json", out / "curriculum.json", out / "algorithm"
    progress = json.loads(progress_path.read_text()) if progress_path.exists() else {
        "env_steps": 0, "iterations": 0, "wall_s": 0.0, "stretches": []}

    grid = grid_of(args)
    cfg = grid.curriculum
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
    imitation = ImitationParams(anchor_coeff=args.anchor_coeff, anchor_class_weights=asdict(
        args.anchor_class_weights)) if args.anchor_coeff > 0 else None
    anchor_states = None
    if imitation is not None and args.anchor_states > 0:
        anchor_states = out / f"anchor_states-{args.anchor_states}.npz"
        if not anchor_states.exists():
            grid.anchor_states(load_policy(args.warm_start), seeds=args.anchor_states, path=anchor_states)
    env = MultiTaskEnvConfig(walk=grid.walk, curriculum=cfg, references=grid.references,
                             weakness_families=args.weakness_families)
    config, cur = multitask_config(
        env=env, out_dir=out, warm_start=args.warm_start, seed=args.seed,
        imitation=imitation, anchor_states=anchor_states,
        curriculum_state=cur_state, advance_on=args.advance_on, evaluation_interval=args.evaluation_interval,
        evaluation_steps=args.evaluation_steps,
        num_env_runners=args.runners, num_envs_per_env_runner=args.envs_per_runner)
    start_ray(num_cpus=max(2, args.runners + 1))
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
        ship(Policy(module), grid, cur.levels, progress, args)


def ship(candidate, grid: EvaluationGrid, levels: dict[str, int], progress: dict, args: Args) -> None:
    """Evaluate ``candidate`` and the shipped policy on the same seeded rollouts (every task and level;
    whole body and each side weakened) and replace the shipped policy only if the candidate is equal or
    better everywhere (:func:`ship_regressions`), its sidecar with the success per cell and the fidelity per
    task (:meth:`EvaluationGrid.fidelity_per_task`); otherwise write both evaluations to
    ``OUT/ship_refused.json`` and stop with the regressions listed.

    With 3 rollouts a cell is decided by one episode, and over ~90 cells some cell of any changed policy
    drops by one: every cell that got worse is rolled out again for both policies over
    ``args.retest_seeds`` (the first rollouts the same ones) and stays a regression only if the drop is
    significant there: one-sided Boschloo p < ``args.regression_alpha``
    (:func:`rl_gait.curriculum.ship.worse_p_value`)."""
    from rl_gait.learner import load_policy
    from rl_gait.learner.checkpoint import POLICY_SUBDIR, write_sidecar

    out = Path(args.out).resolve()
    kw = dict(seeds=args.eval_seeds, duration_s=args.eval_duration_s)
    shipped = load_policy(SHIP_DIR) if SHIP_DIR.exists() else None  # before minutes of rollouts: fail fast
    policies = {"candidate": candidate, **({"shipped": shipped} if shipped else {})}
    ev = grid.evaluate_policies(policies, [(p, b, args.eval_seeds, None) for p in policies for b in BODIES])
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
        rt = grid.evaluate_policies(policies, retest_jobs(suspects, args.retest_seeds))
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
        "env_config": grid.walk.to_dict(),  # what the policy was trained on (options, body, rewards)
        "curriculum_levels_reached": levels,
        "curriculum_tasks": {f: [t.name for t in grid.curriculum.levels[f]] for f in grid.curriculum.families},
        "steps": progress["env_steps"],
        "iterations": progress["iterations"],
        "wall_s": progress["wall_s"],
        "stretches": progress["stretches"],
        "success_per_task_and_level": new["healthy"],
        "success_per_task_and_level_weak_side": {"factor": WEAK_EVAL_FACTOR, "l": new["l"], "r": new["r"]},
        "evaluation": {**kw, "deterministic": True, "retest": retest},
        # how closely it tracks each task's reference (healthy body, the evaluation's seeds)
        "fidelity": grid.fidelity_per_task(candidate, seeds=args.eval_seeds),
    })
    print(f"shipped → {SHIP_DIR}")

if __name__ == "__main__":
    main()
