"""Sweep throughput of ``rl-gait personalize`` on 1 vs 2 Ray nodes (target: >= 1.8x with 2 nodes).

Each configuration is a real multi-node cluster on this machine (separate ``ray start`` processes
of ``--cpus-per-node`` CPUs, see :mod:`rl_gait.personalize.local_cluster`) running the same sweep:
one patient, ``--trials`` trials of ``--iterations`` learner iterations, no early stopping (ASHA's
grace period = the trial length), so both runs do the same work. Throughput = trials finished per
minute of ``run_sweep`` wall time (Ray start and connect excluded). On a shared 2-core laptop the two
1-CPU nodes compete with everything else on the box; run it on a quiet machine for a fair number.

    python benchmarks/tune_scaling.py --trials 4 --iterations 2 --out runs/bench/tune_scaling.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rl_gait.personalize.local_cluster import LocalRayCluster

DRIVER = textwrap.dedent("""
    import json, sys, time, ray
    from rl_gait.personalize.local_cluster import wait_for_nodes
    from rl_gait.personalize.patients import load_patient
    from rl_gait.personalize.sweep import SweepBudget, run_sweep

    ref, out, address, n_nodes, trials, iterations, batch, concurrent = sys.argv[1:9]
    ray.init(address=address, log_to_driver=False)
    wait_for_nodes(int(n_nodes))
    budget = SweepBudget.preset("smoke").with_trial(
        max_iterations=int(iterations), report_every=int(iterations), train_batch_size=int(batch),
        minibatch_size=min(250, int(batch)), num_epochs=2, eval_duration_s=2.0, episode_duration_s=4.0,
        demo_samples=1000)
    from dataclasses import replace
    budget = replace(budget, samples_per_patient=int(trials), grace_period=int(iterations))
    t0 = time.perf_counter()
    outcome = run_sweep([load_patient(ref)], out, budget, max_concurrent=int(concurrent), command="tune_scaling")
    wall = time.perf_counter() - t0
    done = sum(r["status"] == "completed" for r in outcome.rows)
    print("RESULT " + json.dumps({"wall_s": wall, "trials_completed": done,
                                  "nodes_used": len({r["node_id"] for r in outcome.rows})}))
""")


@dataclass(frozen=True)
class Args:
    trials: int = 4
    iterations: int = 2
    train_batch_size: int = 500
    cpus_per_node: int = 1
    out: str = "runs/bench/tune_scaling.json"


def _patient_reference(folder: Path) -> Path:
    """The atlas' healthy level reference with a stiff left knee (40 % range): a paretic test patient."""
    from rl_gait.reference import healthy_reference

    ref = healthy_reference()
    q = np.array(ref.joint_angles_rad)
    k = ref.column("knee_l")
    q[:, k] = q[:, k].mean() + 0.4 * (q[:, k] - q[:, k].mean())
    return replace(ref, joint_angles_rad=q, paretic_side="left").save(folder / "bench_patient.npz")


def run_one(n_nodes: int, args: Args, ref: Path, work: Path) -> dict:
    with LocalRayCluster(n_nodes=n_nodes, cpus_per_node=args.cpus_per_node) as cluster:
        proc = subprocess.run(
            [sys.executable, "-c", DRIVER, str(ref), str(work / f"nodes{n_nodes}"), cluster.address, str(n_nodes),
             str(args.trials), str(args.iterations), str(args.train_batch_size),
             str(n_nodes * args.cpus_per_node)],
            env=cluster.env, cwd=work, capture_output=True, text=True, timeout=3600)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"sweep on {n_nodes} node(s) failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    result = json.loads(lines[-1][len("RESULT "):])
    result["trials_per_min"] = 60.0 * result["trials_completed"] / result["wall_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, default in Args().__dict__.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = Args(**vars(parser.parse_args()))
    with tempfile.TemporaryDirectory(prefix="tune_scaling_") as tmp:
        work = Path(tmp)
        ref = _patient_reference(work)
        results = {n: run_one(n, args, ref, work) for n in (1, 2)}
    speedup = results[2]["trials_per_min"] / results[1]["trials_per_min"]
    report = {"args": args.__dict__, "one_node": results[1], "two_nodes": results[2], "speedup": speedup}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    for n in (1, 2):
        r = results[n]
        print(f"{n} node(s) × {args.cpus_per_node} CPU: {r['trials_completed']} trials in {r['wall_s']:.1f} s "
              f"= {r['trials_per_min']:.2f} trials/min (nodes used: {r['nodes_used']})")
    print(f"speedup 2 vs 1 node: {speedup:.2f}x (target >= 1.8x) → {out}")


if __name__ == "__main__":
    main()
