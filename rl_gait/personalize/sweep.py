"""The personalization sweep: Tune over candidates per patient, on a laptop or a Ray cluster.

``run_sweep(patients, out_dir, budget)`` runs one Tune experiment for one or many patients (see
:mod:`rl_gait.personalize.search`: per-patient Optuna + per-patient ASHA), with each trial a real
learner (:mod:`rl_gait.personalize.trainable`). Outputs in ``out_dir``::

    trials.csv                     every trial: patient, status, iterations, objectives, candidate, node
    objective_vs_trial.png         objective of each trial in launch order, with the running best
    <patient_id>/checkpoint/       the best trial's algorithm checkpoint + rl_gait.json sidecar
    <patient_id>/personalization.json   best candidate, objective, fidelity, trial id
    sweep.json                     settings, experiment path, per-patient summary
    sweep_request.json             what the sweep was asked for (patients, budget, seed): a resume must match it
    asha_state.json                every patient's ASHA rungs, restored on a resume

The Tune experiment lives under ``storage_path`` (default ``out_dir/tune``; ``s3://...`` or an NFS
path on a cluster). Running the same command again resumes an interrupted sweep with
``Tuner.restore``: finished trials are kept, unfinished ones continue from their last checkpoint.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ray.tune import Callback

from rl_gait.errors import RlGaitError
from rl_gait.io.documents import write_document
from rl_gait.io.jsonio import read_json, write_json
from rl_gait.personalize.patients import PatientSpec
from rl_gait.personalize.search import METRIC, MODE, PATIENT_KEY, TIME_ATTR
from rl_gait.personalize.space import Candidate, search_space_for
from rl_gait.personalize.trainable import ALGO_SUBDIR, TrialSettings

BUDGET_NAMES: tuple[str, ...] = ("smoke", "quick", "standard", "full")
EXPERIMENT_NAME = "personalize"
SWEEP_REQUEST = "sweep_request.json"
ASHA_STATE = "asha_state.json"


@dataclass(frozen=True)
class SweepBudget:
    """How big a sweep is.

    Attributes:
        name: preset label.
        samples_per_patient: trials per patient.
        grace_period: learner iterations before ASHA may stop a trial.
        reduction_factor: ASHA's η.
        trial: how each trial trains and is scored.
    """

    name: str
    samples_per_patient: int
    grace_period: int
    reduction_factor: float = 3.0
    trial: TrialSettings = field(default_factory=TrialSettings)

    @classmethod
    def preset(cls, name: str) -> SweepBudget:
        """``smoke`` (a minute or two on 2 cores), ``quick`` (~1 h on 2 cores), ``standard`` and
        ``full`` (cluster sizes: ~24 and ~64 trials of 0.4 M and 3 M env steps per patient)."""
        presets = {
            "smoke": cls("smoke", samples_per_patient=2, grace_period=1, trial=TrialSettings(
                max_iterations=2, report_every=1, train_batch_size=500, minibatch_size=250, num_epochs=2,
                eval_rollouts=1, eval_duration_s=3.0, episode_duration_s=5.0, demo_samples=2_000)),
            "quick": cls("quick", samples_per_patient=8, grace_period=10, trial=TrialSettings(
                max_iterations=40, report_every=5, train_batch_size=2000, minibatch_size=500, num_epochs=4,
                eval_rollouts=2, eval_duration_s=6.0)),
            "standard": cls("standard", samples_per_patient=24, grace_period=20, trial=TrialSettings(
                max_iterations=100, report_every=10, eval_rollouts=3, eval_duration_s=10.0)),
            "full": cls("full", samples_per_patient=64, grace_period=100, trial=TrialSettings(
                max_iterations=750, report_every=25, eval_rollouts=5, eval_duration_s=20.0)),
        }
        if name not in presets:
            raise RlGaitError(f"unknown budget {name!r}", fix=f"choose one of {', '.join(BUDGET_NAMES)}")
        return presets[name]

    def with_trial(self, **changes: Any) -> SweepBudget:
        return replace(self, trial=replace(self.trial, **changes))


@dataclass(frozen=True)
class PatientOutcome:
    """The best trial of one patient."""

    patient_id: str
    objective: float
    trial_id: str
    candidate: Candidate
    checkpoint_dir: str
    n_trials: int


@dataclass(frozen=True)
class SweepOutcome:
    """What a finished sweep produced (paths are inside ``out_dir``)."""

    out_dir: str
    experiment_path: str
    trials_csv: str
    plot: str
    patients: dict[str, PatientOutcome]
    rows: list[dict[str, Any]]
    resumed: bool


class ProgressCallback(Callback):
    """Prints one line per trial event: running / finished trials and the best objective per patient."""

    def __init__(self, samples_per_patient: int, stream: Any = None):
        self.samples_per_patient = samples_per_patient
        self.stream = stream
        self.running: dict[str, set[str]] = {}
        self.finished: dict[str, set[str]] = {}
        self.best: dict[str, float] = {}

    def _line(self, patient_id: str) -> None:
        best = self.best.get(patient_id, math.inf)
        text = (f"[personalize] {patient_id}: {len(self.running.get(patient_id, ()))} running, "
                f"{len(self.finished.get(patient_id, ()))}/{self.samples_per_patient} finished, best objective "
                + (f"{best:.3f}" if math.isfinite(best) else "-"))
        print(text, file=self.stream or sys.stdout, flush=True)

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        pid = trial.config.get(PATIENT_KEY, "?")
        self.running.setdefault(pid, set()).add(trial.trial_id)
        self._line(pid)

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
        pid = trial.config.get(PATIENT_KEY, "?")
        if METRIC in result:
            self.best[pid] = min(self.best.get(pid, math.inf), float(result[METRIC]))
        self._line(pid)

    def _done(self, trial: Any) -> None:
        pid = trial.config.get(PATIENT_KEY, "?")
        self.running.setdefault(pid, set()).discard(trial.trial_id)
        self.finished.setdefault(pid, set()).add(trial.trial_id)
        self._line(pid)

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._done(trial)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._done(trial)


def _trial_dirname(trial: Any) -> str:
    return f"{trial.config.get(PATIENT_KEY, 'patient')}_{trial.trial_id}"


def experiment_path(storage_path: str, name: str) -> str:
    return f"{storage_path.rstrip('/')}/{name}"


def run_sweep(
    patients: Sequence[PatientSpec],
    out_dir: str | Path,
    budget: SweepBudget,
    *,
    storage_path: str | None = None,
    experiment_name: str = EXPERIMENT_NAME,
    max_concurrent: int | None = None,
    seed: int = 0,
    command: str = "",
    progress_stream: Any = None,
    tuner_hook: Callable[[Any], None] | None = None,
    skipped_inputs: Sequence[dict[str, str]] = (),
) -> SweepOutcome:
    """Run (or resume) the sweep of ``patients`` and write the outputs (see the module docstring).

    ``skipped_inputs`` (``{"input": token, "error": one line}``, no names or paths: :mod:`rl_gait.pseudonym`)
    are the cohort's inputs that could not be read; ``sweep.json`` lists them.

    Ray must be running (:func:`rl_gait.learner.ray_session.start_ray`). Trials run as many at once as the cluster
    holds, re-read every few seconds, plus two queued for an autoscaler to see
    (:class:`~rl_gait.personalize.cluster.ClusterConcurrencyLimiter`); ``max_concurrent`` caps that. On a cluster of
    several nodes a local ``storage_path`` must be one every node sees, or the sweep is refused
    (:func:`~rl_gait.personalize.cluster.check_storage_shared`).
    """
    from ray import tune

    from rl_gait.personalize.cluster import ClusterConcurrencyLimiter, check_storage_shared, is_remote_storage
    from rl_gait.personalize.search import PerPatientScheduler, PerPatientSearcher
    from rl_gait.personalize.trainable import personalization_trainable

    ids = [p.patient_id for p in patients]
    if len(set(ids)) != len(ids):
        raise RlGaitError(f"patient ids are not unique: {ids}", fix="give each patient input a distinct name")
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    storage = storage_path or str(out / "tune")
    if not is_remote_storage(storage):
        storage = str(Path(storage).expanduser().resolve())
    check_storage_shared(storage)
    exp_path = experiment_path(storage, experiment_name)
    settings = budget.trial
    cpus = settings.cpus_per_trial
    resources = tune.PlacementGroupFactory([{"CPU": 1}] * cpus, strategy="PACK") if cpus > 1 else {"cpu": 1}
    trainable = tune.with_resources(
        tune.with_parameters(personalization_trainable, patients={p.patient_id: p for p in patients},
                             settings=settings),
        resources,
    )
    # Tune's default ("new") output engine prints a heading and the absolute experiment path even at verbose=0;
    # the other one prints nothing at 0, and ProgressCallback reports the sweep's progress
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    resumed = tune.Tuner.can_restore(exp_path)
    check_sweep_request(out, sweep_request(ids, budget, seed, experiment_name), resumed)
    if resumed:
        check_experiment_private(exp_path)  # Tune's pickled state: only this user can have written it
        tuner = tune.Tuner.restore(exp_path, trainable=trainable, resume_unfinished=True, resume_errored=True)
    else:
        searcher = PerPatientSearcher({p.patient_id: search_space_for(p.prior) for p in patients},
                                      budget.samples_per_patient, seed=seed)
        (out / ASHA_STATE).unlink(missing_ok=True)  # a new sweep: no earlier rungs
        scheduler = PerPatientScheduler(ids, max_t=settings.max_iterations, grace_period=budget.grace_period,
                                        reduction_factor=budget.reduction_factor, state_path=str(out / ASHA_STATE))
        tuner = tune.Tuner(
            trainable,
            tune_config=tune.TuneConfig(
                search_alg=ClusterConcurrencyLimiter(searcher, cpus, cap=max_concurrent), scheduler=scheduler,
                num_samples=searcher.total_samples, trial_dirname_creator=_trial_dirname,
                trial_name_creator=_trial_dirname,
                # a finished trial's actor runs the next one (same resources): no new process, no second import
                # of torch, RLlib and MuJoCo per trial (the trainable stops its algorithm when it ends)
                reuse_actors=True,
            ),
            run_config=tune.RunConfig(
                name=experiment_name, storage_path=storage, verbose=0,
                callbacks=[ProgressCallback(budget.samples_per_patient, progress_stream)],
                checkpoint_config=tune.CheckpointConfig(num_to_keep=2, checkpoint_score_attribute=METRIC,
                                                        checkpoint_score_order=MODE),
                failure_config=tune.FailureConfig(max_failures=2),
            ),
        )
    if tuner_hook is not None:
        tuner_hook(tuner)
    results = tuner.fit()
    rows = trial_rows(results, settings.max_iterations)
    if not rows:
        raise RlGaitError("the sweep produced no trial results", path=exp_path,
                          fix="see the trial errors under the experiment folder")
    trials_csv = write_trials_csv(rows, out / "trials.csv")
    plot = plot_objective_vs_trial(rows, out / "objective_vs_trial.png")
    outcomes = {pid: export_best(results, pid, out / pid, budget=budget, command=command,
                                 patient=next(p for p in patients if p.patient_id == pid))
                for pid in ids if any(r[PATIENT_KEY] == pid and math.isfinite(r["objective_best"]) for r in rows)}
    summary = {
        "command": command, "budget": budget.name, "budget_settings": budget,
        "experiment_path": exp_path, "resumed": resumed, "n_trials": len(rows),
        "patients": {pid: {"objective": o.objective, "trial_id": o.trial_id, "checkpoint": o.checkpoint_dir,
                           "n_trials": o.n_trials} for pid, o in outcomes.items()},
        "missing_patients": [pid for pid in ids if pid not in outcomes],
        "skipped_inputs": list(skipped_inputs),
    }
    write_json(out / "sweep.json", summary)
    return SweepOutcome(str(out), exp_path, str(trials_csv), str(plot), outcomes, rows, resumed)


def sweep_request(patient_ids: Sequence[str], budget: SweepBudget, seed: int, experiment_name: str) -> dict[str, Any]:
    """What a sweep is asked for, as JSON: the patients (pseudonyms), the budget and its settings, the seed."""
    import json

    from rl_gait.io.jsonio import to_jsonable

    return json.loads(json.dumps(to_jsonable({
        "experiment_name": experiment_name, "patients": sorted(patient_ids), "budget": budget.name,
        "budget_settings": budget, "seed": seed})))


def check_experiment_private(exp_path: str) -> None:
    """Refuse to restore a local Tune experiment folder that another user could have written.

    Tune's own resume state (``tuner.pkl``, the trials in ``experiment_state-*.json``) is pickled, and Tune
    rewrites it while the sweep runs (asynchronously to our code), so it cannot be hashed race-free the way
    checkpoints are. What can be checked before ``Tuner.restore`` unpickles it: the folder and every file in it
    belong to this user and no other user or group may write them. A URI (``s3://…``) is the storage's
    own access control; nothing is checked here."""
    from rl_gait.personalize.cluster import is_remote_storage

    if is_remote_storage(exp_path):
        return
    root = Path(exp_path)
    uid = os.getuid()
    for path in [root, *root.iterdir()]:
        st = path.lstat()
        if st.st_uid != uid or st.st_mode & 0o022 or path.is_symlink():
            what = ("a symbolic link" if path.is_symlink() else f"owned by uid {st.st_uid}" if st.st_uid != uid
                    else f"writable by others (mode {st.st_mode & 0o777:o})")
            raise RlGaitError(f"the sweep's saved Tune state is {what}: Tune would unpickle it on resume",
                              path=path.name if path != root else "the experiment folder",
                              fix="restrict it (chmod go-w) if you trust it, or pass another --out for a new sweep")


def check_sweep_request(out: Path, request: dict[str, Any], resuming: bool) -> None:
    """Refuse to resume the sweep in ``out`` for another request (other patients, budget or seed) in one line;
    otherwise record ``request`` as ``out/sweep_request.json``. A resume would mix the two: Tune restores the
    earlier searcher, trials and budget whatever the command now says."""
    path = out / SWEEP_REQUEST
    if resuming and path.is_file():
        earlier = read_json(path)
        changed = []
        if earlier.get("patients") != request["patients"]:
            before, now = set(earlier.get("patients") or []), set(request["patients"])
            changed.append(f"patients (+{len(now - before)} / -{len(before - now)})")
        if earlier.get("budget_settings") != request["budget_settings"]:
            changed.append(f"budget ({earlier.get('budget')} -> {request['budget']}"
                           + (", same name, other settings" if earlier.get("budget") == request["budget"] else "")
                           + ")")
        if earlier.get("seed") != request["seed"]:
            changed.append(f"seed ({earlier.get('seed')} -> {request['seed']})")
        if changed:
            raise RlGaitError(
                f"this output folder holds an unfinished or finished sweep of other {', '.join(changed)}; resuming "
                "it with this command would mix the two", path=out,
                fix="rerun the earlier command to resume it, or pass another --out (or --experiment-name) "
                    "for a new sweep")
    write_json(path, request)


CANDIDATE_FIELDS = tuple(f.name for f in fields(Candidate))


def trial_rows(results: Any, max_iterations: int) -> list[dict[str, Any]]:
    """One row per trial of a Tune ``ResultGrid``, ordered by launch time."""
    rows = []
    for result in results:
        config = result.config or {}
        history = result.metrics_dataframe
        metrics = result.metrics or {}
        objectives = [] if history is None or METRIC not in history else [float(v) for v in history[METRIC].dropna()]
        iterations = int(metrics.get(TIME_ATTR, 0) or 0)
        status = "error" if result.error else ("completed" if iterations >= max_iterations else "stopped_early")
        started = float(history["timestamp"].min()) if history is not None and "timestamp" in history else math.inf
        rows.append({
            PATIENT_KEY: config.get(PATIENT_KEY, ""), "trial_id": metrics.get("trial_id", Path(result.path).name),
            "status": status, "iterations": iterations, "reports": len(objectives),
            "objective_last": objectives[-1] if objectives else math.nan,
            "objective_best": min(objectives) if objectives else math.nan,
            "resumed_from_iteration": metrics.get("resumed_from_iteration", -1),
            "node_id": metrics.get("node_id", ""), "started": started,
            **{name: config.get(name, math.nan) for name in CANDIDATE_FIELDS},
            "error": str(result.error).splitlines()[0][:200] if result.error else "",
            "_path": result.path,
        })
    rows.sort(key=lambda r: (r["started"], r["trial_id"]))
    for i, row in enumerate(rows):
        row["trial_index"] = i
    return rows


def write_trials_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    """``trials.csv``: one line per trial (private ``_`` columns left out)."""
    columns = ["trial_index", PATIENT_KEY, "trial_id", "status", "iterations", "reports", "objective_best",
               "objective_last", "resumed_from_iteration", "node_id", *CANDIDATE_FIELDS, "error"]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def plot_objective_vs_trial(rows: list[dict[str, Any]], path: Path) -> Path:
    """Best objective of each trial vs its launch index, one panel per patient, with the running best."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    patients = sorted({r[PATIENT_KEY] for r in rows})
    ncols = min(4, len(patients))
    nrows = math.ceil(len(patients) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    for ax, pid in zip(axes.flat, patients, strict=False):
        mine = [r for r in rows if r[PATIENT_KEY] == pid]
        x = np.arange(1, len(mine) + 1)
        y = np.array([r["objective_best"] for r in mine], dtype=float)
        early = np.array([r["status"] != "completed" for r in mine])
        ax.scatter(x[~early], y[~early], color="tab:blue", label="ran to the end", zorder=3)
        ax.scatter(x[early], y[early], color="tab:gray", marker="x", label="stopped early / error", zorder=3)
        running = np.fmin.accumulate(np.where(np.isfinite(y), y, np.inf))
        ax.step(x, np.where(np.isfinite(running), running, np.nan), where="post", color="tab:red",
                label="best so far")
        ax.set_title(f"patient {pid}")
        ax.set_xlabel("trial (launch order)")
        ax.set_ylabel("objective (lower is better)")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(patients):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def export_best(results: Any, patient_id: str, dest: Path, *, budget: SweepBudget, command: str,
                patient: PatientSpec) -> PatientOutcome:
    """Copy the best checkpoint of ``patient_id`` (over all its trials) to ``dest/checkpoint`` + sidecar."""
    from rl_gait.learner.checkpoint import write_sidecar
    from rl_gait.personalize.trainable import trial_env_config

    best: tuple[float, Any, Any, dict] | None = None
    n_trials = 0
    for result in results:
        if (result.config or {}).get(PATIENT_KEY) != patient_id:
            continue
        n_trials += 1
        for checkpoint, metrics in result.best_checkpoints or []:
            value = float(metrics.get(METRIC, math.inf))
            if best is None or value < best[0]:
                best = (value, checkpoint, result, metrics)
    if best is None:
        raise RlGaitError(f"no checkpoint for patient {patient_id}", fix="rerun the sweep (it resumes)")
    objective, checkpoint, result, metrics = best
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / ALGO_SUBDIR
    with tempfile.TemporaryDirectory(prefix="rl_gait_best_") as tmp:
        local = Path(checkpoint.to_directory(str(Path(tmp) / "ckpt")))
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(local / ALGO_SUBDIR, target)
        fidelity_path = local / "fidelity.json"
        fidelity = read_json(fidelity_path) if fidelity_path.is_file() else {}
    candidate = Candidate.from_config(result.config)
    env = trial_env_config(patient, candidate, budget.trial)
    trial_id = str(metrics.get("trial_id", Path(result.path).name))
    write_sidecar(target, {
        "command": command, "created_by": "rl_gait.personalize", "patient_id": patient_id,
        "env_id": env.env_id, "mode": budget.trial.mode, "env_config": env.to_dict(),
        "candidate": candidate.to_dict(), "lr": candidate.lr, "objective": objective,
        "fidelity": fidelity.get("metrics", {}), "tune_trial_id": trial_id,
        "tune_experiment": str(Path(result.path).parent), "budget": budget.name,
        "algo_iteration": metrics.get(TIME_ATTR), "created_unix_s": time.time(),
    })
    outcome = PatientOutcome(patient_id, objective, trial_id, candidate, str(target), n_trials)
    write_document(dest / "personalization.json", "personalization",
                   {"patient_id": patient_id, "objective": objective, "trial_id": trial_id,
                    "candidate": candidate.to_dict(), "fidelity": fidelity.get("metrics", {}), "checkpoint": str(target),
                    "n_trials": n_trials, "source": patient.source, "prior": patient.prior})
    return outcome
