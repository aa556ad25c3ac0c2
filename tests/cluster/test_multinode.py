"""A 2-trial sweep on a real 2-node Ray cluster (head + worker as separate `ray start` processes)."""

import csv
import subprocess
import sys
import textwrap

from rl_gait.personalize.local_cluster import LocalRayCluster

DRIVER = textwrap.dedent("""
    import sys, ray
    from rl_gait.personalize.local_cluster import wait_for_nodes
    from rl_gait.personalize.patients import load_patient
    from rl_gait.personalize.sweep import SweepBudget, run_sweep

    ref, out, address = sys.argv[1:4]
    ray.init(address=address, log_to_driver=False)
    wait_for_nodes(2)
    budget = SweepBudget.preset("smoke").with_trial(
        max_iterations=1, train_batch_size=200, minibatch_size=100, num_epochs=1, eval_duration_s=1.0,
        episode_duration_s=2.0, demo_samples=500)
    run_sweep([load_patient(ref)], out, budget, max_concurrent=2, command="test_multinode")
""")

JOINS = textwrap.dedent("""
    import ray
    from rl_gait.learner.ray_session import start_ray

    start_ray(num_cpus=2)  # as rl-gait run does; inside `ray job submit` RAY_ADDRESS is set
    print("CPUS", ray.cluster_resources()["CPU"], "NODES", len(ray.nodes()))
""")


def test_ray_address_in_the_environment_is_joined_not_refused(tmp_path):
    """A driver started with ``RAY_ADDRESS`` (what a Ray job's entrypoint gets) joins that cluster although its
    code asks a local Ray for 2 CPUs: Ray would refuse ``ray.init(num_cpus=2)`` for a running cluster."""
    with LocalRayCluster(n_nodes=1, cpus_per_node=3) as cluster:
        proc = subprocess.run([sys.executable, "-c", JOINS], env=cluster.env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "CPUS 3.0 NODES 1" in proc.stdout


def test_two_trial_sweep_runs_on_both_nodes(tmp_path, patient_reference):
    out = tmp_path / "out"
    with LocalRayCluster(n_nodes=2, cpus_per_node=1) as cluster:
        proc = subprocess.run([sys.executable, "-c", DRIVER, str(patient_reference), str(out), cluster.address],
                              env=cluster.env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = list(csv.DictReader(open(out / "trials.csv")))
    assert len(rows) == 2
    assert {r["status"] for r in rows} == {"completed"}
    assert len({r["node_id"] for r in rows}) == 2, "each 1-CPU node should have run one trial"
    assert (out / rows[0]["patient_id"] / "checkpoint" / "rl_gait.json").is_file()
