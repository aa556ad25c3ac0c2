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
    assert len(rows) == 2 and all(r["patient_id"] == "p1" for r in rows)
    assert (out / "objective_vs_trial.png").stat().st_size > 5000
    sidecar = json.loads((out / "p1" / "checkpoint" / "rl_gait.json").read_text())
    assert sidecar["patient_id"] == "p1" and sidecar["created_by"] == "rl_gait.personalize"
    assert sidecar["objective"] == pytest.approx(min(float(r["objective_best"]) for r in rows))
    policy = load_policy(out / "p1")  # the copied checkpoint loads and its weights hash verifies
    assert policy.act(np.zeros(policy.module.observation_space.shape, "float32")).shape == (6,)
