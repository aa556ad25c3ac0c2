"""Outputs of a sweep: CSV columns and the objective plot, from rows (no Ray run needed)."""

import csv
import math

from rl_gait.personalize.sweep import CANDIDATE_FIELDS, SweepBudget, plot_objective_vs_trial, write_trials_csv


def _row(i, pid, objective, status="completed"):
    return {"trial_index": i, "patient_id": pid, "trial_id": f"t{i}", "status": status, "iterations": 2,
            "reports": 2, "objective_best": objective, "objective_last": objective, "resumed_from_iteration": -1,
            "node_id": "n", **dict.fromkeys(CANDIDATE_FIELDS, 1.0), "error": "", "_path": "/x"}


def test_trials_csv_and_plot(tmp_path):
    rows = [_row(0, "p1", 3.0), _row(1, "p2", 5.0), _row(2, "p1", 2.0, "stopped_early"), _row(3, "p1", math.nan, "error")]
    path = write_trials_csv(rows, tmp_path / "trials.csv")
    back = list(csv.DictReader(open(path)))
    assert [r["patient_id"] for r in back] == ["p1", "p2", "p1", "p1"]
    assert "_path" not in back[0] and set(CANDIDATE_FIELDS) <= set(back[0])
    png = plot_objective_vs_trial(rows, tmp_path / "objective.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_budget_presets_grow():
    sizes = [SweepBudget.preset(n) for n in ("smoke", "quick", "standard", "full")]
    assert [b.samples_per_patient for b in sizes] == sorted(b.samples_per_patient for b in sizes)
    assert all(b.trial.max_iterations >= b.grace_period for b in sizes)
    assert SweepBudget.preset("smoke").trial.cpus_per_trial == 1
    assert SweepBudget.preset("smoke").with_trial(num_env_runners=3).trial.cpus_per_trial == 4
