"""The paper's headline experiment: hybrid (PPO + BC + GAIL, warm-started from the healthy atlas policy)
vs physics-only (PPO on the tracking reward, from scratch) on a cohort of stroke survivors.

For each patient (a continuous StrokeAvatar recording of ``../shared/data/strokeavatar/imu_patient``)
both modes train on the patient's own level-walking reference and personalized PD body until the
fidelity threshold — joint RMSE ≤ ``rmse_threshold_deg`` (mean over the 6 joints) and no fall in
``eval_rollouts`` seeded rollouts of ``eval_duration_s`` — or the time cap. Reported per patient and
overall: wall time to threshold and the hybrid/physics ratio (paper: 25.56 %), joint-angle RMSE and
endpoint error at equal budget (the cap) and their relative improvement (paper: +4.73 %, +12.10 %),
measured on each run's best evaluated policy (lowest personalization objective — the Tune search's) with held-out seeds, success
rate on level ground and, for the level-trained policies, on slopes ±5° and stairs up/down 8 cm
with the patient's own task references. Writes ``results.csv``, ``results.md`` and ``results.png`` to ``--out``.
Each mode's starting policy is evaluated too (training time 0): a warm start that already meets the
threshold reaches it at 0 s. The hybrid's times do not include the atlas policy's own training, a
one-off cost shared by every patient; the report states it (from the shipped sidecar).
``--physics-cap-minutes M`` (> ``--cap-minutes``) lets physics-only train on to M minutes, stopping at
the first evaluation that meets the threshold, only to time it: a measured ratio where a 6-min cap gives
only a bound; its equal-budget fidelity is still that of its best policy within the cap.
``--patients 468 471`` runs only the recordings with those clips. The command line is generated from
:class:`Args` (``tyro``; ``--help`` lists every switch with its type).

    python experiments/hybrid_vs_physics.py --n-patients 3 --cap-minutes 6 --out runs/hybrid_vs_physics
"""

from __future__ import annotations

import copy
import csv
import itertools
import json
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Literal

import numpy as np
import tyro

ROOT = Path(__file__).resolve().parents[1]
# success per task at the cap, on the patient's own task references (the first curriculum level of each family)
TASK_EVAL = {"level": dict(terrain="level"), "slope_up_5deg": dict(terrain="slope", grade_deg=5.0),
             "slope_down_5deg": dict(terrain="slope", grade_deg=-5.0),
             "stairs_up_8cm": dict(terrain="stairs", step_height_m=0.08),
             "stairs_down_8cm": dict(terrain="stairs", step_height_m=0.08, ascending=False)}
EVAL_SEED = 10_000  # the periodic evaluations (time to threshold, selection of the best policy)
HELD_OUT_SEED = 30_000  # re-measuring the selected policy at equal budget
# the recordings among the 13 clips (data README: 460–463, 468–470, 472–473, 475–476 continue one
# another; 467 and 471 stand alone; a run of 1–2 clips is repeated periodically by the ingestion)
RECORDINGS: tuple[tuple[int, ...], ...] = ((460, 461, 462, 463), (468, 469, 470), (472, 473), (475, 476),
                                           (467,), (471,))


@dataclass(frozen=True)
class Args:
    data: str = str(ROOT.parent / "shared" / "data" / "strokeavatar" / "imu_patient")
    out: str = "runs/hybrid_vs_physics"
    n_patients: int = 3
    cap_minutes: float = 6.0  # the equal budget of both modes
    physics_cap_minutes: float = 0.0  # > cap: physics-only trains on to this, only to time the threshold
    patients: tuple[int, ...] = ()  # only the recordings with these clip numbers (RECORDINGS order); () = all
    eval_every: int = 5
    eval_rollouts: int = 3
    eval_duration_s: float = 10.0
    rmse_threshold_deg: float = 8.0
    also_thresholds_deg: tuple[float, ...] = (12.0, 10.0)  # other RMSE thresholds also reported (same run)
    report_only: bool = False  # rebuild results.md/csv/png from OUT/raw.json without training
    runners: int = 2
    envs_per_runner: int = 4
    warm_start: str = "atlas"  # the shipped healthy atlas policy (hybrid only); "none" or a checkpoint path
    bc_coeff: float = -1.0  # hybrid BC weight; < 0: where the personalization search starts (Candidate)
    style_reward_weight: float = -1.0  # hybrid GAIL reward weight; < 0: as bc_coeff
    lr: float = 3e-4  # PPO learning rate of both modes
    k_pose: float = -1.0  # pose-reward kernel k (1/rad², RewardWeights.k_pose_per_rad2), hybrid; < 0: as bc_coeff
    k_pose_physics: float = -1.0  # the same for physics-only; < 0: the env's default (RewardWeights)
    contact_reward: float = 0.0  # hybrid's contact-timing reward weight (RewardWeights.contact); physics-only: 0
    trunk_pitch: Literal["upright", "reference"] = "upright"  # both modes: WalkEnvConfig.trunk_pitch
    seed: int = 0
    physics_from: str = ""  # reuse physics-only results of an earlier run's OUT (same physics settings): hybrid-only rerun


def args_from_json(saved: dict) -> Args:
    """The :class:`Args` of a run from its ``args.json`` (fields it lacks: today's defaults; lists as tuples; the
    comma-separated strings of runs before the typed command line: today's defaults)."""
    tuples = {f.name for f in fields(Args) if isinstance(f.default, tuple)}
    known = {f.name for f in fields(Args)}
    return Args(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()
                   if k in known and not (k in tuples and isinstance(v, str))})


def personalized_env_config(patient, trunk_pitch: str):
    """Patient reference + body; PD weakened on the paretic side by the range-of-motion ratio (the
    same prior the Tune search starts from)."""
    from rl_gait.body import PDParams
    from rl_gait.envs.config import WalkEnvConfig

    pd = PDParams.default_for(patient.body)
    if patient.prior.paretic_side in ("r", "l"):
        r = max(0.5, patient.prior.rom_ratio)
        pd = pd.scaled(patient.prior.paretic_side, kp=r, torque=r)
    return WalkEnvConfig(reference=patient.reference, body=patient.body, pd=pd, trunk_pitch=trunk_pitch)


def task_success(policy, env, trial, args: Args) -> dict[str, float]:
    """Success rate per task of :data:`TASK_EVAL` (patient's reference for that task, same body)."""
    from rl_gait.learner import evaluate
    from rl_gait.reference import reference_for
    from rl_gait.tasks import Task

    out = {}
    for name, spec in TASK_EVAL.items():
        task = Task(**spec)
        fid = evaluate(policy, env.replace(task=task, reference=reference_for(trial, task)), n_rollouts=args.eval_rollouts, seed=20_000, duration_s=args.eval_duration_s)
        out[name] = fid["success_rate"]
    return out


def hybrid_params(args: Args):
    """The hybrid's :class:`~rl_gait.learner.ImitationParams`: the weights given (>= 0), else those the
    personalization search starts from (:class:`~rl_gait.personalize.space.Candidate`)."""
    from rl_gait.learner import ImitationParams
    from rl_gait.personalize.space import Candidate

    start = Candidate()
    return ImitationParams(**{k: getattr(args, k) if getattr(args, k) >= 0 else getattr(start, k)
                              for k in ("bc_coeff", "style_reward_weight")})


def train_to_threshold(mode: str, env, trial, args: Args) -> dict:
    """Train until the cap, evaluating every ``eval_every`` iterations; returns the history (time to
    threshold comes from it) and the fidelity at equal budget: the best evaluated policy of the run
    by the personalization objective, as the Tune search keeps each trial's best checkpoint),
    re-measured on held-out seeds so that picking the best does not flatter it."""
    from rl_gait.learner import Policy, build_config, evaluate
    from rl_gait.learner.config import atlas_policy_dir

    cap_s = args.cap_minutes * 60  # the equal budget: the best policy is picked among evaluations up to it
    limit_s = time_limit_s(args, mode)  # physics-only may train on past it to time the threshold
    named = {"atlas": atlas_policy_dir(), "none": None}
    warm = named.get(args.warm_start, args.warm_start) if mode == "hybrid" else None
    imitation = hybrid_params(args) if mode == "hybrid" else None
    config = build_config(mode=mode, env=env, num_env_runners=args.runners, imitation=imitation,
                          num_envs_per_env_runner=args.envs_per_runner, seed=args.seed, warm_start=warm, lr=args.lr)
    algo = config.build_algo()
    history: list[dict] = []
    best: dict = {"entry": None, "module": None}  # the best evaluation so far and its policy

    def record(train_s: float) -> None:
        fid = evaluate(Policy(algo.get_module()), env, n_rollouts=args.eval_rollouts, seed=EVAL_SEED,
                       duration_s=args.eval_duration_s)
        history.append(history_entry(train_s, steps, fid))
        if train_s <= cap_s and (best["entry"] is None or history[-1]["objective"] < best["entry"]["objective"]):
            best.update(entry=history[-1], module=copy.deepcopy(algo.get_module()), steps=steps)
        print(f"  {mode:12s} it {it:4d} {train_s:6.0f}s steps {steps:8,d} rmse {fid['rmse_deg_mean']:5.1f}° "
              f"falls {fid['fall_rate']:.2f} (on the clock {fid['rmse_deg_mean_clock']:4.1f}°, heel strike at "
              f"{fid['heel_strike_phase_cycles']:+.2f} cycles)", flush=True)

    it, steps = 0, 0
    try:
        record(0.0)  # the starting policy (hybrid: the warm start as it is; physics-only: random weights)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < limit_s:
            r = algo.train()
            it += 1
            steps += int(r["env_runners"].get("num_env_steps_sampled", 0))
            if it % args.eval_every == 0:
                train_s = time.perf_counter() - t0
                record(train_s)
                t0 += time.perf_counter() - t0 - train_s  # evaluation time is not training time
                if train_s > cap_s and first_reaching(history, args.rmse_threshold_deg):
                    break  # past the equal budget only the time to the threshold was wanted
    finally:
        algo.stop()
    policy = Policy(best["module"])
    fid = evaluate(policy, env, n_rollouts=args.eval_rollouts, seed=HELD_OUT_SEED, duration_s=args.eval_duration_s)
    per_task = task_success(policy, env, trial, args)
    reached = first_reaching(history, args.rmse_threshold_deg)
    return {"time_to_threshold_s": reached["train_s"] if reached else float("nan"),
            "steps_to_threshold": reached["steps"] if reached else float("nan"),
            "steps_at_cap": best["steps"], "selected_train_s": best["entry"]["train_s"],
            "rmse_deg_at_cap": fid.get("rmse_deg_mean", np.nan),
            "endpoint_error_cm_at_cap": fid.get("endpoint_error_cm", np.nan),
            "fall_rate_at_cap": fid.get("fall_rate", np.nan), "success_rate_at_cap": fid.get("success_rate", np.nan),
            "warm_start": bool(warm), "success_per_task": per_task, "history": history}


def time_limit_s(args: Args, mode: str) -> float:
    """How long ``mode`` trains (s): the equal-budget cap, or for physics-only ``physics_cap_minutes`` if
    longer (it stops there, or at the first evaluation past the cap that meets the threshold)."""
    return 60 * max(args.cap_minutes, args.physics_cap_minutes if mode == "physics-only" else 0.0)


def history_entry(train_s: float, steps: int, fid: dict) -> dict:
    """One evaluation of a run: time, steps, RMSE, the timing split of the RMSE (strides cut at the
    reference clock; the clock's phase at the simulated heel strikes), fall rate and the personalization objective
    (:func:`rl_gait.personalize.objective.objective_from_metrics`, lower is better) that selects the
    run's best policy — the same rule the Tune search keeps checkpoints by."""
    from rl_gait.personalize.objective import objective_from_metrics

    return {"train_s": train_s, "steps": steps, "rmse_deg": fid["rmse_deg_mean"], "fall_rate": fid["fall_rate"],
            "rmse_deg_clock": fid["rmse_deg_mean_clock"], "heel_strike_phase": fid["heel_strike_phase_cycles"],
            "objective": objective_from_metrics(fid)}


def first_reaching(history: list[dict], rmse_deg: float) -> dict | None:
    """The first evaluation with no fall and RMSE ≤ ``rmse_deg`` (``None`` if none)."""
    return next((h for h in history if h["fall_rate"] == 0.0 and h["rmse_deg"] <= rmse_deg), None)


def time_to(history: list[dict], rmse_deg: float) -> float:
    """Training wall time (s) of :func:`first_reaching`; NaN if never reached."""
    reached = first_reaching(history, rmse_deg)
    return reached["train_s"] if reached else float("nan")


def improvement_pct(hybrid: float, physics: float) -> float:
    """Relative error reduction of hybrid vs physics-only (%), positive = hybrid better."""
    return float(100.0 * (physics - hybrid) / physics) if physics and np.isfinite(physics) else float("nan")


def main() -> None:
    args = tyro.cli(Args, description=__doc__)
    import ray

    from rl_gait.envs.rewards import RewardWeights
    from rl_gait.errors import RlGaitError
    from rl_gait.ingest import ingest
    from rl_gait.learner.ray_session import start_ray
    from rl_gait.personalize.patients import patient_from_trial

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.report_only:  # the settings of the run that wrote raw.json
        run_args = json.loads((out / "args.json").read_text()) if (out / "args.json").exists() else {}
        args = args_from_json({**asdict(args), **run_args, "out": args.out, "report_only": True})
        skipped = json.loads((out / "skipped.json").read_text()) if (out / "skipped.json").exists() else []
        write_report(json.loads((out / "raw.json").read_text()), skipped, args, out)
        return
    (out / "args.json").write_text(json.dumps(asdict(args), indent=2))
    (out / "policy_format.json").write_text(json.dumps(policy_format(), indent=2))
    reused = {"physics-only": physics_results(args)} if args.physics_from else {}
    start_ray(num_cpus=max(2, args.runners + 1))
    rows, skipped = [], []
    for rec in selected_recordings(args.patients):
        if len(rows) == args.n_patients:
            break
        files = [Path(args.data) / f"walk{n}.json" for n in rec]
        pid = f"walk{rec[0]}" + (f"-{rec[-1]}" if len(rec) > 1 else "")
        try:  # a recording the ingestion rejects (too few strides) is reported, and the next one used
            trial = ingest(files)
            patient = patient_from_trial(trial, source=" ".join(map(str, files)))
        except RlGaitError as e:
            skipped.append(f"{pid}: {e}")
            print(f"patient {pid} skipped: {e}", flush=True)
            continue
        env = personalized_env_config(patient, args.trunk_pitch)
        print(f"patient {pid}: paretic {patient.prior.paretic_side}, ROM ratio {patient.prior.rom_ratio:.2f}", flush=True)
        res = {m: train_to_threshold(m, env.replace(reward_weights=RewardWeights(
            k_pose_per_rad2=pose_kernel(args, m), contact=args.contact_reward if m == "hybrid" else 0.0)),
            trial, args) for m in ("hybrid", "physics-only") if m not in reused or pid not in reused[m]}
        res.update({m: rows_by_pid[pid] for m, rows_by_pid in reused.items() if pid in rows_by_pid})
        h, p = res["hybrid"], res["physics-only"]
        rows.append({
            "patient": pid, "paretic_side": patient.prior.paretic_side,
            "hybrid_time_to_threshold_s": h["time_to_threshold_s"],
            "physics_time_to_threshold_s": p["time_to_threshold_s"],
            "time_ratio_pct": 100 * h["time_to_threshold_s"] / p["time_to_threshold_s"],
            "hybrid_rmse_deg": h["rmse_deg_at_cap"], "physics_rmse_deg": p["rmse_deg_at_cap"],
            "rmse_improvement_pct": improvement_pct(h["rmse_deg_at_cap"], p["rmse_deg_at_cap"]),
            "hybrid_endpoint_cm": h["endpoint_error_cm_at_cap"], "physics_endpoint_cm": p["endpoint_error_cm_at_cap"],
            "endpoint_improvement_pct": improvement_pct(h["endpoint_error_cm_at_cap"], p["endpoint_error_cm_at_cap"]),
            "hybrid_success": h["success_rate_at_cap"], "physics_success": p["success_rate_at_cap"],
            "hybrid_warm_start": h["warm_start"],
            **{f"hybrid_success_{t}": h["success_per_task"][t] for t in TASK_EVAL},
            **{f"physics_success_{t}": p["success_per_task"][t] for t in TASK_EVAL},
            "hybrid_history": h["history"], "physics_history": p["history"],
        })
        (out / "raw.json").write_text(json.dumps(rows, indent=2, default=float))
    ray.shutdown()
    (out / "skipped.json").write_text(json.dumps(skipped))
    write_report(rows, skipped, args, out)


def selected_recordings(patients: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The :data:`RECORDINGS` that contain one of the clip numbers in ``patients`` (e.g. ``(468, 471)``), in
    their order; all of them for ``()``. An unknown number is an error naming the known ones."""
    wanted = set(patients)
    unknown = wanted - {n for rec in RECORDINGS for n in rec}
    if unknown:
        raise SystemExit(f"--patients {' '.join(map(str, patients))}: no recording has clip {sorted(unknown)}; the clips are "
                         f"{[n for rec in RECORDINGS for n in rec]}")
    return [rec for rec in RECORDINGS if not wanted or wanted & set(rec)]


def policy_format() -> dict:
    """What a run's policies were: the network (``POLICY_MODEL``) and the observation layout. Recorded
    beside ``args.json`` so that a physics-only baseline is reused only by a run that trains the same
    network on the same observation (a changed exploration head or terrain sampling is a new baseline)."""
    from rl_gait.envs.walk import HEIGHT_SAMPLES_X_M, OBSERVATION_SIZES
    from rl_gait.learner.config import POLICY_MODEL

    return {"policy_model": json.loads(json.dumps(POLICY_MODEL)), "observation_sizes": dict(OBSERVATION_SIZES),
            "height_samples_x_m": [round(float(x), 4) for x in HEIGHT_SAMPLES_X_M]}


PHYSICS_SETTINGS = ("data", "cap_minutes", "physics_cap_minutes", "eval_every", "eval_rollouts", "eval_duration_s", "rmse_threshold_deg",
                    "runners", "envs_per_runner", "lr", "seed", "trunk_pitch")


def physics_results(args: Args) -> dict[str, dict]:
    """Physics-only results per patient from ``args.physics_from``'s ``raw.json``, in
    :func:`train_to_threshold`'s shape, after checking that run trained physics-only the same way
    (:data:`PHYSICS_SETTINGS`, the pose kernel and :func:`policy_format`): physics-only does not depend on the hybrid's
    settings, so a hybrid-only rerun compares against the same measured baseline."""
    src = Path(args.physics_from)
    try:
        old = args_from_json(json.loads((src / "args.json").read_text()))
        rows = json.loads((src / "raw.json").read_text())
    except (OSError, ValueError, TypeError) as e:
        raise SystemExit(f"--physics-from {src}: cannot read args.json / raw.json of a finished run ({e}); "
                         "give the OUT folder of an earlier hybrid_vs_physics run") from None
    differ = [k for k in PHYSICS_SETTINGS if getattr(old, k) != getattr(args, k)]
    fmt = src / "policy_format.json"
    old_format = json.loads(fmt.read_text()) if fmt.exists() else None
    if old_format != policy_format():
        differ.append("policy network / observation" + ("" if old_format else " (that run predates policy_format.json)"))
    if pose_kernel(old, "physics-only") != pose_kernel(args, "physics-only"):
        differ.append("k_pose_physics")
    if differ:
        raise SystemExit(f"--physics-from {src}: that run's physics-only settings differ ({', '.join(differ)}); "
                         "rerun with the same values or without --physics-from")
    return {r["patient"]: {"time_to_threshold_s": r["physics_time_to_threshold_s"], "rmse_deg_at_cap": r["physics_rmse_deg"],
                           "endpoint_error_cm_at_cap": r["physics_endpoint_cm"], "success_rate_at_cap": r["physics_success"],
                           "success_per_task": {t: r[f"physics_success_{t}"] for t in TASK_EVAL},
                           "history": r["physics_history"]} for r in rows}


def pose_kernel(args: Args, mode: str) -> float:
    """The pose-reward kernel scale (1/rad²) of ``mode``'s env: the one given (>= 0), else the hybrid
    starts where the personalization search does (:class:`~rl_gait.personalize.space.Candidate`) and
    physics-only uses the env's default (:class:`~rl_gait.envs.rewards.RewardWeights`): each mode with
    the setting measured to serve it best (k = 6 slowed physics-only from scratch)."""
    from rl_gait.envs.rewards import RewardWeights
    from rl_gait.personalize.space import Candidate

    if mode == "physics-only":
        return args.k_pose_physics if args.k_pose_physics >= 0 else RewardWeights().k_pose_per_rad2
    return args.k_pose if args.k_pose >= 0 else Candidate().k_pose_per_rad2


def ratio_cell(hybrid_s: float, physics_s: float, cap_s: float) -> str:
    """The hybrid/physics time ratio (%); when only the hybrid reached the threshold, its upper bound
    ``< hybrid time / cap_s`` rounded up (physics-only needed more than its ``cap_s`` of training); 0 when
    the warm start met the threshold before any training."""
    if hybrid_s == 0.0:
        return "0"
    if np.isfinite(hybrid_s) and not np.isfinite(physics_s):
        return f"< {np.ceil(100 * hybrid_s / cap_s):.0f}"
    return f"{100 * hybrid_s / physics_s:.1f}" if np.isfinite(hybrid_s / physics_s) else "nan"


def prior_cost(args: Args) -> str:
    """The one-off cost of the hybrid's warm start, as a sentence for the report ('' if none / unknown)."""
    from rl_gait.learner.checkpoint import SIDECAR_NAME, read_sidecar
    from rl_gait.learner.config import atlas_policy_dir

    path = atlas_policy_dir() if args.warm_start == "atlas" else args.warm_start
    if args.warm_start == "none" or not Path(path, SIDECAR_NAME).exists():
        return ""
    side = read_sidecar(path)
    return (f" Hybrid times exclude the warm start's one-off training, shared by every patient: "
            f"{side.get('steps', 0) / 1e6:.2f} M steps, {side.get('wall_s', 0) / 3600:.1f} h on 2 cores.")


def write_report(rows: list[dict], skipped: list[str], args: Args, out: Path) -> None:
    """``results.csv`` / ``results.md`` / ``results.png`` from the per-patient rows (``raw.json``)."""
    keys = [k for k in rows[0] if not k.endswith("_history")]
    with (out / "results.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)

    def med(k: str) -> float:
        v = np.array([r[k] for r in rows], dtype=float)
        return float(np.nanmedian(v)) if np.isfinite(v).any() else float("nan")

    physics_s = time_limit_s(args, "physics-only")  # a ratio bound is hybrid time / physics-only's training time
    ip = hybrid_params(args)
    hybrid_settings = f"bc_coeff {ip.bc_coeff:g}, style_reward_weight {ip.style_reward_weight:g}"
    md = [f"Threshold: mean joint RMSE ≤ {args.rmse_threshold_deg}° and no fall in {args.eval_rollouts} × "
          f"{args.eval_duration_s:g} s rollouts; cap {args.cap_minutes:g} min per mode" + (
              f" (physics-only trained on to {args.physics_cap_minutes:g} min, or to the threshold, only to time it)"
              if args.physics_cap_minutes > args.cap_minutes else "") + f"; {args.runners} runners × "
          f"{args.envs_per_runner} envs; hybrid = warm start '{args.warm_start}' + BC + GAIL ({hybrid_settings}); "
          f"pose-reward kernel k = {pose_kernel(args, 'hybrid'):g} (hybrid) / {pose_kernel(args, 'physics-only'):g} "
          f"(physics-only) per rad², learning rate {args.lr:g}; "
          + (f"hybrid contact-timing reward {args.contact_reward:g}; " if args.contact_reward else "")
          + (f"trunk pitch target: the reference's ({args.trunk_pitch}); " if args.trunk_pitch != "upright" else "") +
          "'nan' = threshold not reached within the cap; '< x' = only the hybrid reached it, so the ratio is below "
          "hybrid time / physics-only's training time. RMSE, endpoint and success at equal budget (the cap) are those of each run's best "
          "evaluated policy (lowest personalization objective: joint RMSE/5° + endpoint/10 cm + spatio-temporal/10 % "
          "+ 5 × fall rate, the rule the Tune search keeps checkpoints by), re-measured on held-out seeds." + prior_cost(args)
          + (f" Physics-only results reused from `{args.physics_from}` (same physics-only settings)." if args.physics_from else ""), "",
          "| patient | paretic | hybrid → threshold (s) | physics → threshold (s) | ratio % | RMSE hybrid / physics (°) "
          "| endpoint hybrid / physics (cm) | success hybrid / physics |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['patient']} | {r['paretic_side']} | {r['hybrid_time_to_threshold_s']:.0f} | "
                  f"{r['physics_time_to_threshold_s']:.0f} | {ratio_cell(r['hybrid_time_to_threshold_s'], r['physics_time_to_threshold_s'], physics_s)} | {r['hybrid_rmse_deg']:.1f} / "
                  f"{r['physics_rmse_deg']:.1f} | {r['hybrid_endpoint_cm']:.1f} / {r['physics_endpoint_cm']:.1f} | "
                  f"{r['hybrid_success']:.2f} / {r['physics_success']:.2f} |")
    md.append(f"| **median** | | {med('hybrid_time_to_threshold_s'):.0f} | {med('physics_time_to_threshold_s'):.0f} | "
              f"{med('time_ratio_pct'):.1f} | RMSE improvement {med('rmse_improvement_pct'):+.1f} % | endpoint "
              f"improvement {med('endpoint_improvement_pct'):+.1f} % | |")
    md += ["", f"Success per task at the cap (best policy of the run, {args.eval_rollouts} × {args.eval_duration_s:g} s rollouts on the patient's "
           "own task reference, level-trained policy), hybrid / physics-only:", "",
           "| patient | " + " | ".join(TASK_EVAL) + " |", "|---|" + "---|" * len(TASK_EVAL)]
    for r in rows:
        md.append(f"| {r['patient']} | " + " | ".join(f"{r[f'hybrid_success_{t}']:.2f} / {r[f'physics_success_{t}']:.2f}"
                                                    for t in TASK_EVAL) + " |")
    also = list(args.also_thresholds_deg)
    if also and all("hybrid_history" in r for r in rows):
        ths = sorted({*also, args.rmse_threshold_deg}, reverse=True)
        md += ["", "Training wall time (s) to the first evaluation with no fall and mean joint RMSE ≤ T, hybrid / "
               "physics-only (ratio %), same runs:", "",
               "| patient | " + " | ".join(f"T = {t:g}°" for t in ths) + " |", "|---|" + "---|" * len(ths)]
        for r in rows:
            cells = []
            for t in ths:
                th, tp = time_to(r["hybrid_history"], t), time_to(r["physics_history"], t)
                ratio = ratio_cell(th, tp, physics_s)
                cells.append(f"{th:.0f} / {tp:.0f}" + (f" ({ratio} %)" if ratio != "nan" else ""))
            md.append(f"| {r['patient']} | " + " | ".join(cells) + " |")
    if skipped:
        md += [""] + [f"Skipped {s}" for s in skipped]
    (out / "results.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = all("hybrid_history" in r for r in rows)
    fig, ax = plt.subplots(1, 3 if curves else 2, figsize=(13 if curves else 9, 3.5))
    x = np.arange(len(rows))
    if curves:  # RMSE over training time; filled markers: evaluations without a fall
        for r, ls in zip(rows, itertools.cycle(("-", "--", ":", "-.", (0, (5, 1)), (0, (1, 3)))), strict=False):
            for mode, color in (("hybrid", "C0"), ("physics", "C1")):
                hist = r[f"{mode}_history"]
                t = [h["train_s"] / 60 for h in hist]
                ax[2].plot(t, [h["rmse_deg"] for h in hist], linestyle=ls, color=color, label=f"{r['patient']} {mode}")
                ok = [h for h in hist if h["fall_rate"] == 0.0]
                ax[2].plot([h["train_s"] / 60 for h in ok], [h["rmse_deg"] for h in ok], "o", color=color, ms=3)
        ax[2].axhline(args.rmse_threshold_deg, color="k", lw=0.8)
        ax[2].set_xlabel("training wall time (min)")
        ax[2].set_ylabel("mean joint RMSE (deg); dots: no fall")
        ax[2].legend(fontsize=6)
    for i, (k, lab) in enumerate((("rmse_deg", "joint RMSE, equal budget (deg)"), ("endpoint_cm", "endpoint error, equal budget (cm)"))):
        ax[i].bar(x - 0.2, [r[f"hybrid_{k}"] for r in rows], 0.4, label="hybrid")
        ax[i].bar(x + 0.2, [r[f"physics_{k}"] for r in rows], 0.4, label="physics-only")
        ax[i].set_xticks(x, [r["patient"] for r in rows], rotation=30)
        ax[i].set_ylabel(lab)
    ax[0].legend()
    fig.tight_layout()
    fig.savefig(out / "results.png", dpi=120)


if __name__ == "__main__":
    main()
