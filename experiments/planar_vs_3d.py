"""Planar vs 3D body on the same patients and budget (issue 27 item 6): does the 3D twin walk more like the patient?

For each StrokeAvatar recording in ``../shared/data/strokeavatar/imu_patient`` (the continuous runs of
``experiments/hybrid_vs_physics.py``'s ``RECORDINGS``) and each body model, the patient's level-walking twin is
trained the way ``rl-gait train --budget quick`` trains it (hybrid learner, warm-started from that body's shipped
prior, the patient's own reference with its frontal curves, the body model's default PD), then measured over
``--eval-rollouts`` seeded deterministic 10-s walks against what the IMUs measured: joint-curve RMSE and Pearson r
per joint (against the patient's stride-mean curves), stance % per side, speed, cadence and the pelvic obliquity
range. Writes ``results.csv`` and ``results.md`` (one row per recording and body, and the means) to ``--out``.

    PYTHONPATH=$PWD python experiments/planar_vs_3d.py --out runs/planar_vs_3d
"""

from __future__ import annotations

import csv
import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import tyro

ROOT = Path(__file__).resolve().parents[1]
BODIES: tuple[str, ...] = ("planar", "3d")
COLUMNS: tuple[str, ...] = (
    "recording", "body", "env_steps", "wall_s", "fall_rate", "rmse_deg_mean", "pearson_r_mean",
    *(f"{m}_{j}" for m in ("rmse_deg", "pearson_r") for j in ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")),
    "stance_pct_r", "stance_pct_r_measured", "stance_pct_l", "stance_pct_l_measured",
    "speed_m_s_sim", "speed_m_s_measured", "cadence_steps_per_min_sim", "cadence_steps_per_min_measured",
    "pelvic_obliquity_range_deg", "pelvic_obliquity_range_deg_measured",
)


@dataclass(frozen=True)
class Args:
    data: Path = ROOT.parent / "shared" / "data" / "strokeavatar" / "imu_patient"
    out: Path = Path("runs/planar_vs_3d")
    bodies: tuple[str, ...] = BODIES
    recordings: tuple[int, ...] = ()  # only the recordings holding these clip numbers; () = every multi-clip run
    budget: str = "quick"  # the learner budget of each twin (rl_gait.learner.Budget presets)
    eval_rollouts: int = 3
    seed: int = 0
    contact_reward: float | None = None  # weight of the contact-timing reward term; None = the body's default
    swing_clearance_m: float | None = None  # planar: track the reference fitted to lift the swing feet this far


def twin_metrics(trial, body_model: str, args: Args, out_dir: Path) -> dict[str, float]:
    """Train one level-walk twin of ``trial`` on ``body_model`` and measure it against the trial."""
    from rl_gait.body import BodyParams
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.learner import Budget, build_config, load_policy, train
    from rl_gait.learner.evaluation import evaluate
    from rl_gait.reference.patient import reference_for
    from rl_gait.tasks import Task

    body = BodyParams(height_m=trial.height_m or 1.70, mass_kg=trial.mass_kg or 70.0)
    env = WalkEnvConfig(task=Task(), reference=reference_for(trial, Task()), body=body, body_model=body_model)
    env = env.replace(pd=env.pd_params)
    if args.swing_clearance_m is not None:
        env = env.replace(swing_clearance_m=args.swing_clearance_m)
    if args.contact_reward is not None:
        env = env.replace(reward_weights=replace(env.reward_weights, contact=args.contact_reward))
    config = build_config(mode="hybrid", env=env, seed=args.seed, warm_start="atlas")
    result = train(config, budget=Budget.preset(args.budget), out_dir=out_dir, progress=False,
                   patient_id=trial.subject_id, command="python experiments/planar_vs_3d.py")
    measured = dict(trial.spatiotemporal)
    if "pelvic_obliquity" in trial.frontal_names:  # the range trial.json reports
        c = trial.frontal_curves_mean_rad[trial.frontal_names.index("pelvic_obliquity")]
        measured["pelvic_obliquity_range_deg"] = float(np.degrees(np.ptp(c)))
    f = evaluate(load_policy(result.checkpoint_dir), env, n_rollouts=args.eval_rollouts, seed=30_000,
                 duration_s=10.0, target_spatiotemporal=measured)
    row = {k: f.get(k, math.nan) for k in COLUMNS}
    row.update(env_steps=result.steps, wall_s=result.wall_s,
               stance_pct_r_measured=measured.get("stance_pct_r", math.nan),
               stance_pct_l_measured=measured.get("stance_pct_l", math.nan),
               speed_m_s_measured=measured.get("speed_m_s", math.nan),
               cadence_steps_per_min_measured=measured.get("cadence_steps_per_min", math.nan),
               pelvic_obliquity_range_deg_measured=measured.get("pelvic_obliquity_range_deg", math.nan))
    return row


def markdown(rows: list[dict]) -> str:
    """The results as a Markdown table (one row per recording and body, then each body's mean)."""
    head = ("| recording | body | falls | joint RMSE ° | r | stance R % (meas.) | stance L % (meas.) | speed m/s (meas.) "
            "| cadence /min (meas.) | pelvic obliquity range ° (meas.) |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]

    def fmt(r: dict) -> str:
        return (f"| {r['recording']} | {r['body']} | {r['fall_rate']:.2f} | {r['rmse_deg_mean']:.1f} | "
                f"{r['pearson_r_mean']:.2f} | {r['stance_pct_r']:.0f} ({r['stance_pct_r_measured']:.0f}) | "
                f"{r['stance_pct_l']:.0f} ({r['stance_pct_l_measured']:.0f}) | {r['speed_m_s_sim']:.2f} "
                f"({r['speed_m_s_measured']:.2f}) | {r['cadence_steps_per_min_sim']:.0f} "
                f"({r['cadence_steps_per_min_measured']:.0f}) | {r['pelvic_obliquity_range_deg']:.1f} "
                f"({r['pelvic_obliquity_range_deg_measured']:.1f}) |")

    lines += [fmt(r) for r in rows]
    for body in dict.fromkeys(r["body"] for r in rows):
        mine = [r for r in rows if r["body"] == body]
        mean = {k: float(np.nanmean([r[k] for r in mine])) for k in COLUMNS if k not in ("recording", "body")}
        lines.append(fmt({**mean, "recording": "**mean**", "body": body}))
    return "\n".join(lines)


def main() -> None:
    args = tyro.cli(Args, description=__doc__.splitlines()[0])
    sys.path.insert(0, str(ROOT))
    from experiments.hybrid_vs_physics import RECORDINGS
    from rl_gait.ingest import ingest

    runs = [r for r in RECORDINGS if len(r) > 1 and (not args.recordings or set(r) & set(args.recordings))]
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    for rec in runs:
        name = f"walk{rec[0]}-{rec[-1]}"
        trial = ingest([args.data / f"walk{n}.json" for n in rec], subject_id=name)
        for body in args.bodies:
            row = {"recording": name, "body": body, **twin_metrics(trial, body, args, args.out / name / body)}
            row.update(recording=name, body=body)
            rows.append(row)
            print(f"{name} {body}: RMSE {row['rmse_deg_mean']:.1f}°, r {row['pearson_r_mean']:.2f}, stance "
                  f"{row['stance_pct_r']:.0f}/{row['stance_pct_l']:.0f} % (measured {row['stance_pct_r_measured']:.0f}/"
                  f"{row['stance_pct_l_measured']:.0f}), obliquity {row['pelvic_obliquity_range_deg']:.1f}° "
                  f"(measured {row['pelvic_obliquity_range_deg_measured']:.1f}°), falls {row['fall_rate']:.2f}",
                  flush=True)
            with (args.out / "results.csv").open("w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=COLUMNS)
                w.writeheader()
                w.writerows(rows)
    (args.out / "results.md").write_text(markdown(rows) + "\n")
    print(markdown(rows))


if __name__ == "__main__":
    main()
