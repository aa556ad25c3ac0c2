"""Kill the Tune driver mid-sweep, rerun it: no trial lost, none restarted from scratch."""

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rl_gait.personalize.local_cluster import LocalRayCluster

DRIVER = textwrap.dedent("""
    import sys, ray
    from dataclasses import replace
    from rl_gait.personalize.patients import load_patient
    from rl_gait.personalize.sweep import SweepBudget, run_sweep

    ref, out, address = sys.argv[1:4]
    ray.init(address=address, log_to_driver=False)
    budget = SweepBudget.preset("smoke").with_trial(
        max_iterations=6, report_every=1, train_batch_size=400, minibatch_size=100, num_epochs=1,
        eval_duration_s=1.0, episode_duration_s=2.0, demo_samples=500)
    budget = replace(budget, grace_period=6)  # no early stopping: this test is about resuming
    o = run_sweep([load_patient(ref)], out, budget, max_concurrent=2, command="test_resume")
    print("RESUMED" if o.resumed else "FRESH")
""")

MAX_ITERATIONS = 6


def _checkpointed_trials(exp: Path) -> set[str]:
    return {d.name for d in exp.glob("subject-*_*") if any(d.glob("checkpoint_*"))}


@pytest.mark.slow
def test_killed_driver_resumes_without_losing_or_restarting_trials(tmp_path, patient_p1):
    ref = patient_p1.reference.save(tmp_path / "p1.npz")
    out = tmp_path / "out"
    exp = out / "tune" / "personalize"
    with LocalRayCluster(n_nodes=1, cpus_per_node=2) as cluster:
        env = {**cluster.env, "TUNE_GLOBAL_CHECKPOINT_S": "1"}
        args = [sys.executable, "-c", DRIVER, str(ref), str(out), cluster.address]
        log = open(tmp_path / "driver1.log", "w")
        first = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        deadline = time.monotonic() + 300
        # wait until both trials have a checkpoint and an experiment state saved after each trial's first one
        # (the state then names a checkpoint of every trial); the trials checkpoint every iteration, so waiting
        # for a state newer than the *latest* checkpoint lets them finish first
        while len(_checkpointed_trials(exp)) < 2 or not any(exp.glob("experiment_state-*.json")) or (
                max(p.stat().st_mtime for p in exp.glob("experiment_state-*.json"))
                < max(min(c.stat().st_mtime for c in d.glob("checkpoint_*"))
                      for d in exp.glob("subject-*_*") if any(d.glob("checkpoint_*"))) + 0.5):
            assert first.poll() is None, (tmp_path / "driver1.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "trials did not checkpoint in time"
            time.sleep(0.2)
        os.killpg(first.pid, signal.SIGKILL)  # the driver only: the cluster keeps running
        first.wait()
        assert not (out / "trials.csv").exists(), "the driver finished before it was killed"
        before = _checkpointed_trials(exp)
        second = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=400)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "RESUMED" in second.stdout
    rows = list(csv.DictReader(open(out / "trials.csv")))
    assert len(rows) == 2 and {f"{r['patient_id']}_{r['trial_id']}" for r in rows} == before, "a trial was lost or added"
    for r in rows:
        assert r["status"] == "completed" and int(r["iterations"]) == MAX_ITERATIONS
        # a trial that was still running continued from its checkpoint (iteration >= 1), not from 0
        assert int(r["resumed_from_iteration"]) >= 1 or int(r["reports"]) == MAX_ITERATIONS
    assert any(int(r["resumed_from_iteration"]) >= 1 for r in rows), "no trial was resumed from a checkpoint"
