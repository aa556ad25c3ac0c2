"""A worker node killed mid-sweep on a real 2-node Ray cluster (head + worker as separate `ray start` processes):
its trial fails with the node, Tune retries it from its last checkpoint on the node left, and every trial
finishes."""

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from rl_gait.personalize.local_cluster import LocalRayCluster

MAX_ITERATIONS = 15
DRIVER = textwrap.dedent(f"""
    import sys
    from dataclasses import replace
    from rl_gait.learner.ray_session import start_ray
    from rl_gait.personalize.local_cluster import wait_for_nodes
    from rl_gait.personalize.patients import load_patient
    from rl_gait.personalize.sweep import SweepBudget, run_sweep

    ref, out = sys.argv[1:3]
    start_ray()  # RAY_ADDRESS: the cluster
    wait_for_nodes(2)
    budget = SweepBudget.preset("smoke").with_trial(
        max_iterations={MAX_ITERATIONS}, report_every=1, train_batch_size=400, minibatch_size=200, num_epochs=1,
        eval_duration_s=1.0, episode_duration_s=2.0, demo_samples=500)
    budget = replace(budget, grace_period={MAX_ITERATIONS})  # no early stopping: this test is about the lost node
    run_sweep([load_patient(ref)], out, budget, command="test_lost_node")
""")


def _running_nodes(exp: Path) -> set[str]:
    """Node ids in the trials' reported results so far."""
    nodes = set()
    for f in exp.glob("*/result.json"):
        for line in f.read_text().splitlines():
            try:
                nodes.add(json.loads(line)["node_id"])
            except (ValueError, KeyError):
                pass
    return nodes


def test_every_trial_finishes_after_a_worker_node_is_killed(tmp_path, patient_reference):
    out = tmp_path / "out"
    exp = out / "tune" / "personalize"
    log = tmp_path / "driver.log"
    with LocalRayCluster(n_nodes=2, cpus_per_node=1) as cluster:
        with open(log, "w") as fh:
            driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(patient_reference), str(out)],
                                      env=cluster.env, cwd=tmp_path, stdout=fh, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            while len(_running_nodes(exp)) < 2:  # a trial on each node has reported (and checkpointed)
                assert driver.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "the trials did not start on both nodes"
                time.sleep(0.5)
            worker = cluster.processes[1]
            os.killpg(worker.pid, signal.SIGKILL)  # the worker node: its raylet, its trial, everything on it
            worker.wait()
            driver.wait(timeout=300)
        finally:
            if driver.poll() is None:
                driver.kill()
    assert driver.returncode == 0, log.read_text()[-3000:]
    rows = list(csv.DictReader(open(out / "trials.csv")))
    assert len(rows) == 2
    for r in rows:
        assert r["status"] == "completed" and int(r["iterations"]) == MAX_ITERATIONS, r
    assert len({r["node_id"] for r in rows}) == 1, "both trials ended on the node left"
    assert any(int(r["resumed_from_iteration"]) >= 1 for r in rows), "the lost trial resumed from its checkpoint"
