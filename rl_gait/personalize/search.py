"""One Tune sweep over many patients: each patient has its own Optuna study and its own ASHA.

Objectives of different patients are not comparable (a stiff-kneed patient is harder to track than
a mild one), so a cohort sweep must neither let Optuna model them jointly nor let ASHA stop one
patient's trial because another patient's trials score better. :class:`PerPatientSearcher` keeps
one :class:`~ray.tune.search.optuna.OptunaSearch` per patient (each seeded by the patient's prior
point) and hands out suggestions round-robin until every patient has ``samples_per_patient`` trials;
:class:`PerPatientScheduler` routes each trial's results to its patient's own ASHA. The trials of all
patients share the cluster through one Tune controller, so a free CPU always gets the next trial of
any patient. A single patient is a cohort of one.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from typing import Any

from ray.tune.schedulers import AsyncHyperBandScheduler, FIFOScheduler
from ray.tune.search import Searcher
from ray.tune.search.optuna import OptunaSearch

from rl_gait.personalize.space import SearchSpace

PATIENT_KEY = "patient_id"
METRIC = "objective"
MODE = "min"
TIME_ATTR = "algo_iteration"
"""ASHA's time axis: the learner's own iteration count, restored with the algorithm after a resume
(Tune's ``training_iteration`` counts reports of the current process)."""
DIGEST_SUFFIX = ".digest.json"
"""Beside a searcher state file of an earlier rl_gait: its digest (:func:`rl_gait.learner.checkpoint.bytes_digest`)."""
STATE_MAGIC = b"rl_gait searcher state v1\n"
"""First line of the searcher's state file; the second is its digest (JSON), the rest the pickle."""


class PerPatientSearcher(Searcher):
    """Round-robin over patients, each with its own Optuna (TPE) study over its own space.

    Args:
        spaces: patient id → that patient's :class:`SearchSpace`.
        samples_per_patient: trials per patient.
        seed: seeds every patient's TPE sampler (``seed + index``).
    """

    def __init__(self, spaces: Mapping[str, SearchSpace], samples_per_patient: int, seed: int = 0):
        super().__init__(metric=METRIC, mode=MODE)
        if not spaces or samples_per_patient < 1:
            raise ValueError("need at least one patient and samples_per_patient >= 1")
        self._order = list(spaces)
        self._samples_per_patient = int(samples_per_patient)
        self._searchers: dict[str, OptunaSearch] = {}
        for i, (patient_id, space) in enumerate(spaces.items()):
            self._searchers[patient_id] = OptunaSearch(
                space=OptunaSearch.convert_search_space(space.to_tune()), metric=METRIC, mode=MODE, seed=seed + i,
                points_to_evaluate=[space.centre().to_dict()],
            )
        self._suggested = dict.fromkeys(self._order, 0)
        self._trial_patient: dict[str, str] = {}
        self._next = 0

    @property
    def total_samples(self) -> int:
        return self._samples_per_patient * len(self._order)

    def set_search_properties(self, metric: str | None, mode: str | None, config: dict, **spec: Any) -> bool:
        return (metric in (None, METRIC)) and (mode in (None, MODE))

    def suggest(self, trial_id: str) -> dict | None:
        for _ in range(len(self._order)):
            patient_id = self._order[self._next]
            self._next = (self._next + 1) % len(self._order)
            if self._suggested[patient_id] >= self._samples_per_patient:
                continue
            config = self._searchers[patient_id].suggest(trial_id)
            if config is None or config == Searcher.FINISHED:
                continue
            self._suggested[patient_id] += 1
            self._trial_patient[trial_id] = patient_id
            return {**config, PATIENT_KEY: patient_id}
        return Searcher.FINISHED

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        patient_id = self._trial_patient.get(trial_id)
        if patient_id is not None:
            self._searchers[patient_id].on_trial_result(trial_id, result)

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        patient_id = self._trial_patient.get(trial_id)
        if patient_id is not None:
            self._searchers[patient_id].on_trial_complete(trial_id, result=result, error=error)

    # Tune saves the searcher into the experiment folder after every step and restores it on
    # ``Tuner.restore``: without this, a resumed sweep would suggest the already-run trials again. The state
    # holds live Optuna studies, which only pickle captures; the pickle is written by us with its digest
    # (HMAC with the deployment's signing key, else sha256) in the same file, and never unpickled unless it
    # matches. One file, because Tune saves to a temporary name and renames it: a digest beside the temporary
    # name would be left behind (and the renamed state would have none).
    def save(self, checkpoint_path: str) -> None:
        import json

        from rl_gait.learner.checkpoint import bytes_digest

        data = pickle.dumps(self.__dict__)
        with open(checkpoint_path, "wb") as f:
            f.write(STATE_MAGIC + json.dumps(bytes_digest(data)).encode() + b"\n" + data)

    def restore(self, checkpoint_path: str) -> None:
        import json

        from rl_gait.errors import CheckpointError
        from rl_gait.io.jsonio import read_json
        from rl_gait.learner.checkpoint import check_bytes_digest

        with open(checkpoint_path, "rb") as f:
            raw = f.read()
        if raw.startswith(STATE_MAGIC):
            end = raw.find(b"\n", len(STATE_MAGIC))
            try:
                digest = json.loads(raw[len(STATE_MAGIC):end]) if end > 0 else None
            except ValueError:
                digest = None
            if not isinstance(digest, dict):
                raise CheckpointError("searcher state without a readable digest", path=checkpoint_path,
                                      fix="restore the experiment folder from its original copy, or start anew")
            data = raw[end + 1:]
        else:  # written by an earlier rl_gait: the digest beside it (or none: refused below)
            legacy = checkpoint_path + DIGEST_SUFFIX
            data = raw
            digest = read_json(legacy) if os.path.isfile(legacy) else {}
        check_bytes_digest(data, digest, checkpoint_path)
        self.__dict__.update(pickle.loads(data))  # noqa: S301 - written by save() above, digest verified


class PerPatientScheduler(FIFOScheduler):
    """One :class:`AsyncHyperBandScheduler` (ASHA) per patient, chosen by the trial's patient id.

    Args:
        patient_ids: the cohort.
        max_t: iterations of a trial that runs to the end (ASHA ``max_t``).
        grace_period: iterations before ASHA may stop a trial.
        reduction_factor: ASHA's η: the top 1/η of a rung continues.
        state_path: a JSON file where the rungs (each trial's objective at each milestone) and the count of
            stopped trials are written after every change, and read back before first use. Tune saves the
            searcher with the experiment but not the scheduler: without this, a resumed sweep's ASHA starts
            with empty rungs and lets every resumed or new trial through the milestones the earlier ones set.
    """

    def __init__(self, patient_ids: list[str], *, max_t: int, grace_period: int, reduction_factor: float = 3,
                 state_path: str | None = None):
        super().__init__()
        self._metric, self._mode = METRIC, MODE
        self._state_path = state_path
        self._state_loaded = False
        # one bracket: ASHA picks brackets with the global numpy RNG otherwise
        self._asha = {
            p: AsyncHyperBandScheduler(time_attr=TIME_ATTR, metric=METRIC, mode=MODE, max_t=max_t,
                                       grace_period=min(grace_period, max_t), reduction_factor=reduction_factor,
                                       brackets=1)
            for p in patient_ids
        }

    def set_search_properties(self, metric: str | None, mode: str | None, **spec: Any) -> bool:
        return (metric in (None, METRIC)) and (mode in (None, MODE))

    def _for(self, trial: Any) -> AsyncHyperBandScheduler:
        if not self._state_loaded:
            self.load_state()
        return self._asha[trial.config[PATIENT_KEY]]

    def on_trial_add(self, tune_controller: Any, trial: Any) -> None:
        self._for(trial).on_trial_add(tune_controller, trial)

    def on_trial_result(self, tune_controller: Any, trial: Any, result: dict) -> str:
        action = self._for(trial).on_trial_result(tune_controller, trial, result)
        self.save_state()
        return action

    def on_trial_complete(self, tune_controller: Any, trial: Any, result: dict) -> None:
        asha = self._for(trial)
        if trial.trial_id in asha._trial_info:
            asha.on_trial_complete(tune_controller, trial, result)
            self.save_state()

    def on_trial_error(self, tune_controller: Any, trial: Any) -> None:
        self._for(trial)._trial_info.pop(trial.trial_id, None)

    def on_trial_remove(self, tune_controller: Any, trial: Any) -> None:
        self._for(trial)._trial_info.pop(trial.trial_id, None)

    def __getstate__(self) -> dict:
        # Tune pickles the scheduler with the experiment (tuner.pkl); an unpickled copy reads the saved rungs anew
        return {**self.__dict__, "_state_loaded": False}

    def state(self) -> dict:
        """``{patient: {"rungs": [[milestone, {trial id: objective × ASHA's sign}], ...], "num_stopped": n}}``."""
        return {p: {"rungs": [[float(m), {t: float(v) for t, v in rec.items()}]
                              for m, rec in asha._brackets[0]._rungs],
                    "num_stopped": int(asha._num_stopped)} for p, asha in self._asha.items()}

    def save_state(self) -> None:
        if self._state_path is None:
            return
        from rl_gait.io.jsonio import write_json

        tmp = f"{self._state_path}.tmp"
        write_json(tmp, self.state())
        os.replace(tmp, self._state_path)  # a driver killed mid-write leaves the previous state

    def load_state(self) -> None:
        """Restore the rungs written by :meth:`save_state` (nothing if there is no file yet); rungs are matched by
        milestone, patients by id. A file that is not such a state is a one-line error."""
        from rl_gait.errors import RlGaitError
        from rl_gait.io.jsonio import read_json

        self._state_loaded = True
        if self._state_path is None or not os.path.isfile(self._state_path):
            return
        try:
            saved = read_json(self._state_path)
            for patient_id, entry in saved.items():
                asha = self._asha.get(patient_id)
                if asha is None:
                    continue
                rungs = {float(m): rec for m, rec in entry["rungs"]}
                for milestone, recorded in asha._brackets[0]._rungs:
                    recorded.update({str(t): float(v) for t, v in rungs.get(float(milestone), {}).items()})
                asha._num_stopped = int(entry["num_stopped"])
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise RlGaitError(f"not a scheduler state ({err.__class__.__name__})", path=self._state_path,
                              fix="delete it to resume without the earlier trials' rungs") from None

    def debug_string(self) -> str:
        stopped = sum(a._num_stopped for a in self._asha.values())
        return f"Per-patient ASHA over {len(self._asha)} patient(s): {stopped} trial(s) stopped early"
