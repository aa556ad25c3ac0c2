"""The main job: ``run_pipeline(trial_paths, out_dir, budget)`` — ingest → references → personalize (Tune)
→ task training → predict → report, every artefact in ``out_dir``.

Resumable: each stage writes ``<stage>/done.json`` holding the hash of its inputs (the previous stages'
markers, the input files and the stage's settings). A rerun skips a stage whose marker matches and
redoes it (and so every later stage) otherwise. The task-training stage is one function,
:func:`task_training_stage`, so the multi-task curriculum trainer can replace the fallback used now.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rl_gait._version import __version__
from rl_gait.errors import RlGaitError
from rl_gait.io.jsonio import read_json, sha256_bytes, sha256_file, to_jsonable, write_json
from rl_gait.tasks import Task

if TYPE_CHECKING:
    from rl_gait.envs.config import WalkEnvConfig

STAGES: tuple[str, ...] = ("trial", "references", "personalize", "task_training", "predictions", "report")
MARKER = "done.json"


@dataclass(frozen=True)
class PipelineBudget:
    """Sizes of every stage for one ``--budget`` name.

    Attributes:
        name: ``smoke`` | ``demo`` | ``quick`` | ``standard``.
        sweep: personalization sweep preset name (:class:`rl_gait.personalize.sweep.SweepBudget`), or
            ``"custom"`` with ``sweep_samples``/``sweep_iterations``.
        family_weights: task families trained (and how often each is drawn) in the task-training stage.
        task_env_steps, task_wall_time_s, task_batch_size: multi-task learner budget.
        n_rollouts, rollout_s: prediction rollouts per level (the patient's and the healthy control's) and
            their length.
        gif_s: length of each report GIF.
        certify_safe: whether the budget's verdicts can reach "safe": then ``n_rollouts`` must be at least
            :func:`rl_gait.predict.verdict.min_rollouts_for_safe` (16), checked here. Only the smoke budget, a
            test of the stages, has ``False`` (its report says that its rollouts cannot certify "safe").
    """

    name: str
    sweep: str
    family_weights: tuple[tuple[str, float], ...]
    task_env_steps: int
    task_wall_time_s: float
    task_batch_size: int
    n_rollouts: int
    rollout_s: float
    gif_s: float = 4.0
    sweep_samples: int = 2
    sweep_iterations: int = 2
    certify_safe: bool = True

    def __post_init__(self) -> None:
        from rl_gait.predict.verdict import min_rollouts_for_safe

        n_min = min_rollouts_for_safe()
        if self.certify_safe and self.n_rollouts < n_min:
            raise RlGaitError(f"budget {self.name!r}: {self.n_rollouts} rollouts per level cannot certify 'safe'",
                              fix=f"roll out at least {n_min} per level, or set certify_safe=False")

    @classmethod
    def preset(cls, name: str) -> PipelineBudget:
        fams = (("level", 2.0), ("slope_up", 1.0), ("slope_down", 1.0), ("stairs_up", 1.0), ("stairs_down", 1.0))
        presets = {
            "smoke": cls("smoke", "smoke", fams, 2_000, 20.0, 1_000, n_rollouts=2, rollout_s=3.0, gif_s=2.0,
                         certify_safe=False),
            # task steps sized by measurement (docs/task_plausibility.md, speed regulation): on 2 cores the task
            # training runs ~6,400 steps/s; at quick's former 400 k its curriculum stopped at slope 5–7.5° and the
            # rare successful steep descents ran at 1.3–1.5 × the level speed, at 2 M (~5 min) it reached 12.5°
            "demo": cls("demo", "custom", fams, 300_000, 240.0, 2_000, n_rollouts=16, rollout_s=8.0,
                        sweep_samples=2, sweep_iterations=6),
            "quick": cls("quick", "quick", fams, 2_000_000, 900.0, 4_000, n_rollouts=20, rollout_s=10.0),
            "standard": cls("standard", "standard", fams, 10_000_000, 3600.0, 4_000, n_rollouts=30, rollout_s=10.0),
        }
        if name not in presets:
            raise RlGaitError(f"unknown budget {name!r}", fix=f"choose one of {', '.join(presets)}")
        return presets[name]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["family_weights"] = dict(self.family_weights)
        return d


@dataclass(frozen=True)
class RunInputs:
    """What the user gave ``rl-gait run``."""

    trial_paths: tuple[str, ...]
    height_m: float | None = None
    mass_kg: float | None = None
    walk_distance_m: float | None = None
    subject_id: str | None = None
    seed: int = 0
    speed_m_s: float | None = None
    max_gap_s: float = 0.1
    extra: dict = field(default_factory=dict)


def file_hash(paths: Sequence[str | Path]) -> str:
    """sha256 over the bytes of the given files (folders: their files, sorted)."""
    parts = []
    for p in map(Path, paths):
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        parts += [f"{f.name}\0{sha256_file(f)}" for f in files]
    return sha256_bytes("\n".join(parts).encode())


def stage_key(*parts: Any) -> str:
    """Input hash of a stage: sha256 of the JSON of ``parts`` (sorted keys)."""
    return sha256_bytes(json.dumps(to_jsonable(parts), sort_keys=True).encode())


def is_done(stage_dir: Path, key: str) -> bool:
    m = stage_dir / MARKER
    return m.is_file() and read_json(m).get("input_hash") == key


def mark_done(stage_dir: Path, key: str, wall_s: float, info: dict[str, Any], command: str) -> None:
    write_json(stage_dir / MARKER, {
        "stage": stage_dir.name, "input_hash": key, "wall_s": wall_s, "finished_unix_s": time.time(),
        "package_version": __version__, "command": command, **info})


# ------------------------------------------------------------------------------ stages


def ingest_stage(inputs: RunInputs, out: Path) -> dict[str, Any]:
    from rl_gait.ingest import IngestOptions, ingest
    from rl_gait.ingest.plot import plot_kinematics

    trial = ingest(list(inputs.trial_paths), height_m=inputs.height_m, mass_kg=inputs.mass_kg,
                   subject_id=inputs.subject_id, options=IngestOptions(walk_distance_m=inputs.walk_distance_m, speed_m_s=inputs.speed_m_s,
                                         max_gap_s=inputs.max_gap_s))
    trial.save(out)
    plot_kinematics(trial, out / "kinematics.png")
    return {"subject_id": trial.subject_id, "paretic_side": trial.paretic_side}


def references_stage(trial_dir: Path, tasks: Sequence[Task], out: Path) -> dict[str, Any]:
    from rl_gait.ingest import GaitTrial
    from rl_gait.reference import reference_for

    trial = GaitTrial.load(trial_dir)
    names = []
    for task in tasks:
        reference_for(trial, task).save(out / f"{task.name}.npz")
        names.append(task.name)
    return {"references": names}


def personalize_stage(trial_dir: Path, budget: PipelineBudget, out: Path, seed: int, command: str,
                      address: str | None = None, env: WalkEnvConfig | None = None) -> dict[str, Any]:
    """The personalization sweep of the one patient, with the env options ``env`` (its ``body_model`` …; default
    :class:`~rl_gait.envs.config.WalkEnvConfig`). Trials start from the shipped healthy prior where it was
    trained on that body model, else from random weights (no 3D prior is shipped yet). Joins the Ray cluster at
    ``address`` (or ``$RAY_ADDRESS``, set inside ``ray job submit``) and then runs as many trials at once as it
    holds; without one, starts a local Ray with 2 CPUs."""
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.learner.checkpoint import ATLAS_WARM_START, check_warm_start_body
    from rl_gait.learner.ray_session import start_ray
    from rl_gait.personalize.patients import load_patient
    from rl_gait.personalize.sweep import SweepBudget, run_sweep

    env = env if env is not None else WalkEnvConfig()
    try:
        check_warm_start_body(ATLAS_WARM_START, env.body_model)
        warm_start: str | None = ATLAS_WARM_START
    except RlGaitError as no_prior:
        print(f"[personalize] {str(no_prior).split(' — ')[0]}: the trials start from random weights")
        warm_start = None

    patient = load_patient(trial_dir)
    if budget.sweep == "custom":
        from dataclasses import replace

        sweep = replace(SweepBudget.preset("smoke"), name=budget.name, samples_per_patient=budget.sweep_samples,
                        grace_period=max(1, budget.sweep_iterations // 2)).with_trial(
            max_iterations=budget.sweep_iterations, report_every=max(1, budget.sweep_iterations // 2),
            train_batch_size=1000, minibatch_size=250)
    else:
        sweep = SweepBudget.preset(budget.sweep)
    sweep = sweep.with_trial(env=env, warm_start=warm_start)
    start_ray(address, num_cpus=2)  # num_cpus only for a local Ray: a cluster has its own
    outcome = run_sweep([patient], out, sweep, seed=seed, command=command)
    best = outcome.patients.get(patient.patient_id)
    if best is None:
        raise RlGaitError("personalization produced no checkpoint", path=out, fix="rerun the same command to resume")
    return {"patient_id": patient.patient_id, "checkpoint": str(best.checkpoint_dir), "objective": best.objective}


TASK_MAX_RETREAT_M = 0.5
"""Task training ends an episode whose walker backs this far (m) from the farthest point it reached."""
TASK_EPISODE_S = 10.0
"""Task training's episode length (s): a slope or stairs course (the personalization's level episodes may be
shorter)."""


TASK_STAIR_STRATEGIES = ("step_over_step", "step_to")
"""The stair strategies the task training draws a reference from, one per episode (issue 30: step-to — up with the
non-paretic leg, down with the paretic leg first — is how many stroke survivors take stairs); the predictions roll
each out per stair level and take the verdict from the better (``predictions.json`` ``strategies``)."""


def stair_strategy_pool(reference):
    """A task's reference pool for the task training: on stairs the step-over-step reference and its step-to
    variant (:func:`rl_gait.reference.step_to.step_to_reference`, drawn per episode with a stretched episode,
    :class:`rl_gait.curriculum.env.MultiTaskWalk`); elsewhere the reference alone."""
    from rl_gait.reference.step_to import step_to_reference

    return (reference, step_to_reference(reference)) if reference.task.terrain == "stairs" else reference


def task_training_stage(personalized_ckpt: Path, trial_dir: Path, budget: PipelineBudget, out: Path,
                        seed: int, command: str, address: str | None = None) -> dict[str, Any]:
    """Goal-conditioned multi-task training of the patient (:mod:`rl_gait.curriculum`): the personalized
    level-walking policy is the warm start, the patient's own reference per task
    (``reference_for(trial, task)``) the tracking target, tasks drawn per episode from the five
    families with their curriculum levels, advanced by deterministic evaluation episodes. Body, PD,
    reward weights (the searched pose kernel) and imitation weights come from the personalized
    checkpoint's sidecar. Returns the final checkpoint and the curriculum levels reached. ``address``: the Ray
    cluster to train on (:func:`~rl_gait.learner.ray_session.start_ray`), also when the personalization stage was
    done in an earlier run."""
    from rl_gait.curriculum import CurriculumConfig, default_levels
    from rl_gait.curriculum.env import MultiTaskEnvConfig, task_references
    from rl_gait.curriculum.training import multitask_config
    from rl_gait.ingest import GaitTrial
    from rl_gait.learner import Budget, ImitationParams, train
    from rl_gait.learner.checkpoint import env_config_from_sidecar, read_sidecar, update_sidecar
    from rl_gait.learner.params import SAMPLING
    from rl_gait.learner.ray_session import start_ray
    from rl_gait.reference import reference_for

    start_ray(address)
    meta = read_sidecar(personalized_ckpt)
    personalized = env_config_from_sidecar(meta)
    cand = meta.get("candidate") or {}
    imitation = ImitationParams(**{k: v for k, v in cand.items() if k in ("bc_coeff", "style_reward_weight")})
    trial = GaitTrial.load(trial_dir)
    curriculum = CurriculumConfig(levels=default_levels(), family_weights=dict(budget.family_weights))
    references = task_references(curriculum, lambda task: stair_strategy_pool(reference_for(trial, task)))
    # the personalized body, PD and reward weights (the searched pose kernel); walking back down the stairs it
    # climbed must not pay (docs/atlas_training.md, atlas_s9)
    # the 3D env does not end an episode on a retreat yet (rl_gait.envs.config.PLANAR_ONLY_OPTIONS). No max_lead_m:
    # ending episodes that ran 0.6 m ahead of the target's schedule left the curriculum at slope down 2.5° and the
    # successful descents at 1.3–2.3 × the level speed (without: 1.0 × up to 10°; docs/task_plausibility.md)
    retreat = TASK_MAX_RETREAT_M if personalized.body_model == "planar" else None
    walk = personalized.for_rollouts(reference=None, episode_duration_s=TASK_EPISODE_S, max_retreat_m=retreat)
    env = MultiTaskEnvConfig(walk=walk, curriculum=curriculum, references=references)
    config, cur = multitask_config(
        env=env, out_dir=out, imitation=imitation,
        lr=float(cand.get("lr", 3e-4)), warm_start=personalized_ckpt, seed=seed,
        train_batch_size=budget.task_batch_size, minibatch_size=min(500, budget.task_batch_size), num_epochs=3,
        num_env_runners=SAMPLING.num_env_runners, num_envs_per_env_runner=SAMPLING.num_envs_per_env_runner,
        # levels advance on what the deterministic policy does, the policy the predictions roll out
        advance_on="evaluation", evaluation_interval=5, evaluation_steps=budget.task_batch_size)
    lb = Budget(f"{budget.name}-tasks", env_steps=budget.task_env_steps, wall_time_s=budget.task_wall_time_s,
                eval_every_iters=0, eval_rollouts=1, eval_duration_s=4.0)
    res = train(config, budget=lb, out_dir=out / "multitask", progress=True,
                patient_id=str(meta.get("patient_id", "anonymous")), command=command,
                extra_sidecar={"warm_start": str(personalized_ckpt), "pipeline_stage": "task_training"})
    update_sidecar(res.checkpoint_dir, curriculum_levels_reached=dict(cur.levels),
                   stair_strategies=list(TASK_STAIR_STRATEGIES))
    final = out / "final"
    if final.exists():
        shutil.rmtree(final)
    shutil.copytree(res.checkpoint_dir, final)
    return {"checkpoint": str(final), "steps": res.steps, "curriculum_levels_reached": dict(cur.levels)}


# ------------------------------------------------------------------------------ the job


def run_pipeline(inputs: RunInputs, out_dir: str | Path, budget: PipelineBudget, *, command: str = "",
                 console: Any = None, on_stage: Callable[[str, bool], None] | None = None,
                 address: str | None = None, env: WalkEnvConfig | None = None) -> Path:
    """Run (or resume) the main job; returns the path of ``report.html``. ``address``: the Ray cluster the
    personalization joins (:func:`rl_gait.learner.ray_session.start_ray`; default ``$RAY_ADDRESS`` or a local
    Ray); it does not change any stage's input hash. ``env``: the env options the patient's policy is trained
    with (``rl-gait run --body-model``: its ``body_model``; default :class:`~rl_gait.envs.config.WalkEnvConfig`),
    part of the personalization's input hash; the later stages take them from its checkpoint."""
    from rich.console import Console

    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.learner.ray_session import LIBRARY_LOG, library_logs_to
    from rl_gait.predict.predict import HEALTHY_CONTROL_DIR, predict_from_checkpoint, predict_healthy_control
    from rl_gait.predict.settings import PredictionSettings, task_levels
    from rl_gait.predict.table import print_predictions
    from rl_gait.report.html import build_report

    con = console or Console()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    log = library_logs_to(out / LIBRARY_LOG)
    con.print(f"[dim]Ray, RLlib and library messages: {log.relative_to(out)} in the run folder[/]")
    settings = PredictionSettings(n_rollouts=budget.n_rollouts, duration_s=budget.rollout_s, seed=inputs.seed)
    all_tasks = [t for ts in task_levels(settings).values() for t in ts]
    keys: dict[str, str] = {}
    info: dict[str, dict] = {}

    def stage(name: str, key_parts: tuple, fn: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
        d = out / name
        prev = [keys[s] for s in STAGES[: STAGES.index(name)]]
        key = stage_key(name, prev, key_parts, __version__)
        keys[name] = key
        if is_done(d, key):
            con.print(f"[dim]✓ {name}: done earlier, skipped[/]")
            if on_stage:
                on_stage(name, False)
            return read_json(d / MARKER)
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        con.rule(f"[bold]{name}")
        t0 = time.perf_counter()
        with con.status(f"{name} …"):
            result = fn(d)
        mark_done(d, key, time.perf_counter() - t0, result, command)
        con.print(f"[green]✓ {name}[/] ({time.perf_counter() - t0:.0f} s)")
        if on_stage:
            on_stage(name, True)
        return result

    info["trial"] = stage("trial", (file_hash(inputs.trial_paths), asdict(inputs)),
                          lambda d: ingest_stage(inputs, d))
    info["references"] = stage("references", tuple(t.name for t in all_tasks),
                               lambda d: references_stage(out / "trial", all_tasks, d))
    env_options = env.to_dict() if env is not None and env != WalkEnvConfig() else None  # default: keys as before
    info["personalize"] = stage("personalize", (budget.to_dict(), inputs.seed) + ((env_options,) if env_options else ()),
                                lambda d: personalize_stage(out / "trial", budget, d, inputs.seed, command,
                                                            address, env))
    info["task_training"] = stage("task_training", (budget.to_dict(), inputs.seed),
                                  lambda d: task_training_stage(Path(info["personalize"]["checkpoint"]), out / "trial",
                                                                budget, d, inputs.seed, command, address))

    def _predict(d: Path) -> dict[str, Any]:
        doc = predict_from_checkpoint(info["task_training"]["checkpoint"], trial_dir=out / "trial",
                                      settings=settings, out_dir=d, command=command)
        print_predictions(doc, con)
        # the healthy control: same levels, rollouts and seeds, a healthy body of the patient's size, shipped prior
        healthy = predict_healthy_control(trial_dir=out / "trial", settings=settings, out_dir=d / HEALTHY_CONTROL_DIR,
                                          command=command)
        print_predictions(healthy, con)
        return {"families": {k: v["verdict"] for k, v in doc["families"].items()},
                "healthy_control": {k: v["verdict"] for k, v in healthy["families"].items()}}

    info["predictions"] = stage("predictions", (asdict(settings),), _predict)
    stage("report", (budget.gif_s,), lambda d: {"report": str(build_report(
        out, d / "report.html", checkpoint=info["task_training"]["checkpoint"], gif_seconds=budget.gif_s))})
    report = out / "report" / "report.html"
    shutil.copyfile(report, out / "report.html")
    return out / "report.html"
