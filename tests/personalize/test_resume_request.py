"""A resume with other patients, another budget or another seed is refused in one line (sweep_request.json),
before Tune restores anything; the same request resumes."""

from __future__ import annotations

import pytest

from rl_gait.errors import RlGaitError
from rl_gait.personalize.sweep import (
    SWEEP_REQUEST,
    SweepBudget,
    check_experiment_private,
    check_sweep_request,
    run_sweep,
    sweep_request,
)


def _request(patients=("subject-a",), budget="smoke", seed=0, **trial):
    b = SweepBudget.preset(budget).with_trial(**trial) if trial else SweepBudget.preset(budget)
    return sweep_request(list(patients), b, seed, "personalize")


def test_same_request_resumes_and_is_recorded(tmp_path):
    check_sweep_request(tmp_path, _request(), resuming=False)
    assert (tmp_path / SWEEP_REQUEST).is_file()
    check_sweep_request(tmp_path, _request(), resuming=True)  # nothing changed: resumes


@pytest.mark.parametrize(("other", "words"), [
    (dict(patients=("subject-a", "subject-b")), "patients (+1 / -0)"),
    (dict(budget="quick"), "budget (smoke -> quick)"),
    (dict(max_iterations=7), "same name, other settings"),
    (dict(seed=3), "seed (0 -> 3)"),
])
def test_a_changed_request_is_refused_in_one_line(tmp_path, other, words):
    check_sweep_request(tmp_path, _request(), resuming=False)
    with pytest.raises(RlGaitError) as err:
        check_sweep_request(tmp_path, _request(**other), resuming=True)
    text = str(err.value)
    assert "\n" not in text and words in text and "fix: rerun the earlier command" in text


def test_run_sweep_refuses_before_tune_restores(tmp_path, monkeypatch, patient_p1, patient_p2):
    from ray import tune

    out = tmp_path / "out"
    out.mkdir()
    check_sweep_request(out, sweep_request([patient_p1.patient_id], SweepBudget.preset("smoke"), 0, "personalize"),
                        resuming=False)
    monkeypatch.setattr(tune.Tuner, "can_restore", classmethod(lambda cls, path: True))
    monkeypatch.setattr(tune.Tuner, "restore", classmethod(lambda cls, *a, **k: pytest.fail("restored anyway")))
    with pytest.raises(RlGaitError, match=r"patients \(\+1 / -0\)"):
        run_sweep([patient_p1, patient_p2], out, SweepBudget.preset("smoke"))


def test_tunes_pickled_state_is_restored_only_from_a_folder_no_one_else_can_write(tmp_path):
    exp = tmp_path / "personalize"
    exp.mkdir(mode=0o755)
    (exp / "tuner.pkl").write_bytes(b"state")
    (exp / "tuner.pkl").chmod(0o644)
    check_experiment_private(str(exp))  # this user's, writable by this user only
    check_experiment_private("s3://bucket/rl_gait/personalize")  # a URI: the storage's own access control
    (exp / "tuner.pkl").chmod(0o666)
    with pytest.raises(RlGaitError) as err:
        check_experiment_private(str(exp))
    text = str(err.value)
    assert "\n" not in text and "writable by others (mode 666)" in text and "tuner.pkl" in text and "chmod go-w" in text
    (exp / "tuner.pkl").chmod(0o644)
    exp.chmod(0o777)
    with pytest.raises(RlGaitError, match="writable by others"):
        check_experiment_private(str(exp))
    exp.chmod(0o755)
