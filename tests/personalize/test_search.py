"""The cohort searcher and scheduler keep patients apart (no Ray cluster needed)."""

from types import SimpleNamespace

import pytest
from ray.tune.schedulers import AsyncHyperBandScheduler, TrialScheduler
from ray.tune.search import Searcher

from rl_gait.personalize.search import METRIC, PATIENT_KEY, TIME_ATTR, PerPatientScheduler, PerPatientSearcher
from rl_gait.personalize.space import PatientPrior, search_space_for

SPACES = {"p1": search_space_for(PatientPrior("p1", "l", 0.4)),
          "p2": search_space_for(PatientPrior("p2", "r", 0.9))}


def test_searcher_round_robin_starts_at_each_prior_and_finishes():
    searcher = PerPatientSearcher(SPACES, samples_per_patient=2, seed=0)
    configs = [searcher.suggest(f"t{i}") for i in range(4)]
    assert [c[PATIENT_KEY] for c in configs] == ["p1", "p2", "p1", "p2"]
    # the first trial of each patient is that patient's prior centre
    assert configs[0]["kp_scale_l"] == pytest.approx(SPACES["p1"].centre().kp_scale_l)
    assert configs[1]["kp_scale_r"] == pytest.approx(SPACES["p2"].centre().kp_scale_r)
    # later suggestions stay within the patient's own ranges
    assert SPACES["p1"].kp_scale_l.contains(configs[2]["kp_scale_l"])
    assert searcher.suggest("t4") == Searcher.FINISHED
    searcher.on_trial_complete("t0", {METRIC: 1.0, TIME_ATTR: 1})


def test_searcher_state_survives_save_restore(tmp_path):
    searcher = PerPatientSearcher(SPACES, samples_per_patient=2, seed=0)
    for i in range(3):
        searcher.suggest(f"t{i}")
    searcher.save(str(tmp_path / "s.pkl"))
    restored = PerPatientSearcher(SPACES, samples_per_patient=2, seed=0)
    restored.restore(str(tmp_path / "s.pkl"))
    assert restored.suggest("t3")[PATIENT_KEY] == "p2"  # only p2's second trial was left
    assert restored.suggest("t4") == Searcher.FINISHED


class _CreatesAFile:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_an_altered_searcher_state_is_refused_before_it_is_unpickled(tmp_path, monkeypatch):
    import pickle

    from rl_gait.errors import CheckpointError

    state = tmp_path / "s.pkl"
    PerPatientSearcher(SPACES, samples_per_patient=2, seed=0).save(str(state))
    marker = tmp_path / "pwned"
    state.write_bytes(pickle.dumps(_CreatesAFile(marker)))
    with pytest.raises(CheckpointError, match="does not match its recorded sha256 digest"):
        PerPatientSearcher(SPACES, samples_per_patient=2, seed=0).restore(str(state))
    assert not marker.exists()
    monkeypatch.setenv("RL_GAIT_SIGNING_KEY", "k" * 32)  # with a key: an unkeyed (or re-hashed) digest is refused
    PerPatientSearcher(SPACES, samples_per_patient=2, seed=0).save(str(state))
    monkeypatch.setenv("RL_GAIT_SIGNING_KEY", "other" * 8)
    with pytest.raises(CheckpointError, match="hmac-sha256"):
        PerPatientSearcher(SPACES, samples_per_patient=2, seed=0).restore(str(state))


def _trial(trial_id, patient_id):
    return SimpleNamespace(trial_id=trial_id, config={PATIENT_KEY: patient_id})


def test_scheduler_never_compares_patients():
    # p1's trial reaches the grace rung with a good objective (1.0), then p2's with a bad one (10.0).
    results = [(_trial("a", "p1"), {METRIC: 1.0, TIME_ATTR: 2}), (_trial("b", "p2"), {METRIC: 10.0, TIME_ATTR: 2})]
    per_patient = PerPatientScheduler(["p1", "p2"], max_t=10, grace_period=2, reduction_factor=2)
    shared = AsyncHyperBandScheduler(time_attr=TIME_ATTR, metric=METRIC, mode="min", max_t=10,
                                     grace_period=2, reduction_factor=2, brackets=1)
    actions = {}
    for name, sched in (("per_patient", per_patient), ("shared", shared)):
        for trial, _ in results:
            sched.on_trial_add(None, trial)
        actions[name] = [sched.on_trial_result(None, trial, result) for trial, result in results]
    assert actions["shared"] == [TrialScheduler.CONTINUE, TrialScheduler.STOP]  # what we avoid
    assert actions["per_patient"] == [TrialScheduler.CONTINUE, TrialScheduler.CONTINUE]
    # within one patient ASHA does stop the worse trial
    worse = _trial("c", "p1")
    per_patient.on_trial_add(None, worse)
    assert per_patient.on_trial_result(None, worse, {METRIC: 5.0, TIME_ATTR: 2}) == TrialScheduler.STOP


def test_asha_rungs_survive_a_resume(tmp_path):
    """Tune restores the searcher but not the scheduler: the rungs are written beside the sweep and read back by
    the scheduler Tune unpickles on a resume, so a resumed trial is still compared with the earlier ones."""
    import pickle

    state = str(tmp_path / "asha_state.json")
    first = PerPatientScheduler(["p1", "p2"], max_t=10, grace_period=2, reduction_factor=2, state_path=state)
    restored_later = pickle.loads(pickle.dumps(first))  # what tuner.pkl holds: pickled before any result
    for trial_id, objective in (("a", 2.0), ("b", 1.0)):  # each better than the rung so far
        trial = _trial(trial_id, "p1")
        first.on_trial_add(None, trial)
        assert first.on_trial_result(None, trial, {METRIC: objective, TIME_ATTR: 2}) == TrialScheduler.CONTINUE
    worse = _trial("c", "p1")
    restored_later.on_trial_add(None, worse)  # the resumed sweep's first event reads the saved rungs
    assert restored_later.on_trial_result(None, worse, {METRIC: 5.0, TIME_ATTR: 2}) == TrialScheduler.STOP
    fresh = PerPatientScheduler(["p1", "p2"], max_t=10, grace_period=2, reduction_factor=2)  # what was lost before
    fresh.on_trial_add(None, worse)
    assert fresh.on_trial_result(None, worse, {METRIC: 5.0, TIME_ATTR: 2}) == TrialScheduler.CONTINUE
    assert restored_later.state()["p1"]["num_stopped"] == 1 and restored_later.state()["p2"]["rungs"][0][1] == {}


def test_searcher_state_survives_tunes_save_to_dir_and_leaves_no_stray_files(tmp_path):
    """Tune saves to a temporary name and renames it (``Searcher.save_to_dir``): the digest travels inside the
    state file, so the renamed state restores and no digest of a temporary name is left behind."""
    searcher = PerPatientSearcher(SPACES, samples_per_patient=2, seed=0)
    for i in range(3):
        searcher.suggest(f"t{i}")
    for _ in range(2):  # Tune saves after every step
        searcher.save_to_dir(str(tmp_path), session_str="s1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["searcher-state-s1.pkl"]
    restored = PerPatientSearcher(SPACES, samples_per_patient=2, seed=0)
    restored.restore_from_dir(str(tmp_path))
    assert restored.suggest("t3")[PATIENT_KEY] == "p2" and restored.suggest("t4") == Searcher.FINISHED
