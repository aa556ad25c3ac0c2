"""`rl-gait personalize` end to end (smoke budget, slow) and its one-line errors (fast)."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from rl_gait.cli import main


def test_missing_trial_is_a_one_line_error(tmp_path, capsys):
    code = main(["personalize", "--trial", str(tmp_path / "nope.json"), "--budget", "smoke", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error:") and "nope.json" in err and "\n" not in err


def test_help_lists_the_budgets(capsys):
    with pytest.raises(SystemExit):
        main(["personalize", "--help"])
    assert "smoke,quick,standard,full" in capsys.readouterr().out


@pytest.mark.slow
def test_cli_smoke_sweep_writes_all_outputs(tmp_path, patient_p1):
    from rl_gait.learner import load_policy

    ref = patient_p1.reference.save(tmp_path / "p1.npz")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "rl_gait.cli", "personalize", "--trial", str(ref), "--budget", "smoke",
                           "--out", str(out), "--num-cpus", "2"], capture_output=True, text=True, timeout=900,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "finished, best objective" in proc.stdout  # progress lines
    rows = list(csv.DictReader(open(out / "trials.csv")))
    pid = rows[0]["patient_id"]
    assert pid.startswith("subject-") and len(rows) == 2 and all(r["patient_id"] == pid for r in rows)
    assert (out / "objective_vs_trial.png").stat().st_size > 5000
    sidecar = json.loads((out / pid / "checkpoint" / "rl_gait.json").read_text())
    assert sidecar["patient_id"] == pid and sidecar["created_by"] == "rl_gait.personalize"
    assert sidecar["objective"] == pytest.approx(min(float(r["objective_best"]) for r in rows))
    policy = load_policy(out / pid)  # the copied checkpoint loads and its weights hash verifies
    assert policy.act(np.zeros(policy.module.observation_space.shape, "float32")).shape == (6,)


def test_cohort_with_a_broken_recording_personalizes_the_others(tmp_path, patient_p1):
    """One unreadable input: skipped with its one-line error (stderr and sweep.json, there without its
    name), the good patient gets its checkpoint, exit code 3 (partial), no traceback."""
    from rl_gait.errors import EXIT_PARTIAL

    good = patient_p1.reference.save(tmp_path / "p1.npz")
    broken = tmp_path / "Jane_Doe_1961_walk.json"
    broken.write_text('{"frames": [1, 2,')  # truncated
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "rl_gait.cli", "personalize", "--trial", str(good), "--trial",
                           str(broken), "--budget", "smoke", "--out", str(out), "--num-cpus", "2"],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == EXIT_PARTIAL, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "Jane_Doe_1961_walk.json" in errors[0] and "(skipped)" in errors[0]
    summary = json.loads((out / "sweep.json").read_text())
    (pid,) = summary["patients"]
    assert (out / pid / "checkpoint" / "rl_gait.json").is_file()
    (skip,) = summary["skipped_inputs"]
    assert skip["input"].startswith("<input sha256:") and skip["error"] and "\n" not in skip["error"]
    assert "Jane" not in (out / "sweep.json").read_text() and str(tmp_path) not in skip["error"]
