"""The Tune trial: train one candidate's RLlib learner, score its fidelity, checkpoint, repeat.

A function trainable wrapping the real learner (``rl_gait.learner.build_config`` → ``build_algo``).
Every ``report_every`` training iterations it evaluates the policy on the patient's level walk
(``rl_gait.learner.evaluate``, the same seeds for every trial so trials are compared on equal
rollouts), computes the :mod:`~rl_gait.personalize.objective`, saves the algorithm and reports both
to Tune. A trial restarted by ``Tuner.restore`` or after a node loss resumes from its last
checkpoint (algorithm state + iteration counter), never from scratch.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rl_gait.io.jsonio import read_json, write_json
from rl_gait.learner.params import SAMPLING
from rl_gait.personalize.objective import ObjectiveWeights, objective_from_metrics
from rl_gait.personalize.patients import PatientSpec
from rl_gait.personalize.search import METRIC, PATIENT_KEY, TIME_ATTR
from rl_gait.personalize.space import Candidate

if TYPE_CHECKING:
    from rl_gait.envs.config import WalkEnvConfig

ALGO_SUBDIR = "checkpoint"  # the learner's layout: OUT/checkpoint/ holds the RLlib algorithm
STATE_FILE = "trial_state.json"


def _default_env() -> WalkEnvConfig:
    from rl_gait.envs.config import WalkEnvConfig

    return WalkEnvConfig()


@dataclass(frozen=True)
class TrialSettings:
    """How one trial trains and is scored (the same for every trial of a sweep).

    Attributes:
        max_iterations: learner iterations of a trial that is never stopped early (ASHA ``max_t``).
        report_every: iterations between fidelity evaluations (each is a checkpoint and an ASHA rung
            candidate).
        eval_rollouts, eval_duration_s: evaluation rollouts per report and their simulated length.
        eval_seed: seed of the evaluation rollouts (shared by all trials).
        train_batch_size, minibatch_size, num_epochs: PPO sizes (``None`` = the learner's defaults).
        num_env_runners, num_envs_per_env_runner: RLlib sampling; 0 runners = sample in the trial's
            own process (1 CPU per trial, right for 2-core laptops).
        episode_duration_s: training episode length (s).
        mode: learner mode (``"hybrid"`` = PPO + BC + GAIL).
        seed: learner seed.
        demo_samples: demonstration transitions per trial (made from the trial's own body and PD).
        warm_start: checkpoint whose policy initialises every trial; ``"atlas"`` (default) = the shipped
            healthy atlas policy; ``None`` = random initialisation.
        objective: the objective's scales.
        env: the env options every trial trains with (:class:`~rl_gait.envs.config.WalkEnvConfig`: its
            ``body_model`` …); the patient's reference and body and the candidate's PD, passive joints and pose
            kernel replace those fields (:func:`trial_env_config`).
    """

    max_iterations: int = 2
    report_every: int = 1
    eval_rollouts: int = 1
    eval_duration_s: float = 4.0
    eval_seed: int = 12345
    train_batch_size: int | None = None
    minibatch_size: int | None = None
    num_epochs: int | None = None
    num_env_runners: int = 0
    num_envs_per_env_runner: int = SAMPLING.num_envs_per_env_runner
    episode_duration_s: float = 10.0
    mode: str = "hybrid"
    seed: int = 0
    demo_samples: int = 20_000
    warm_start: str | None = "atlas"
    objective: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    env: WalkEnvConfig = field(default_factory=_default_env)

    def __post_init__(self) -> None:
        if self.max_iterations < 1 or not 1 <= self.report_every <= self.max_iterations:
            raise ValueError(f"need max_iterations >= 1 and 1 <= report_every <= max_iterations, got {self}")

    @property
    def cpus_per_trial(self) -> int:
        return 1 + self.num_env_runners

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "env": self.env.to_dict()}


def trial_env_config(patient: PatientSpec, candidate: Candidate, settings: TrialSettings) -> WalkEnvConfig:
    """The walking env of one candidate: the patient's level reference on its personalized body, with the sweep's
    env options (``settings.env``: the body model's default PD and reward weights are the candidate's base)."""
    from rl_gait.body import PDParams

    base = settings.env
    body = candidate.body(patient.body)
    return base.replace(reference=patient.reference, body=body,
                        pd=candidate.pd(PDParams.default_for(body, base.body_model)),
                        reward_weights=candidate.reward_weights(base.reward_weights),
                        episode_duration_s=settings.episode_duration_s)


def learner_config(patient: PatientSpec, candidate: Candidate, settings: TrialSettings) -> Any:
    """The learner's RLlib config (``ImitationPPOConfig``) for one candidate."""
    from rl_gait.learner import ImitationParams, build_config
    from rl_gait.learner.config import make_demonstrations_file

    hybrid = settings.mode == "hybrid"
    env = trial_env_config(patient, candidate, settings)
    demos = make_demonstrations_file(env, n_samples=settings.demo_samples, seed=settings.seed) if hybrid else None
    return build_config(
        mode=settings.mode,
        env=env,
        demos=demos,
        imitation=candidate.imitation(ImitationParams()) if hybrid else None,
        lr=candidate.lr,
        num_env_runners=settings.num_env_runners,
        num_envs_per_env_runner=settings.num_envs_per_env_runner,
        num_learners=0,
        seed=settings.seed,
        warm_start=settings.warm_start if hybrid else None,
        train_batch_size=settings.train_batch_size,
        minibatch_size=settings.minibatch_size,
        num_epochs=settings.num_epochs,
        # the learner's second thread uses a core the trial holds only with EnvRunners (idle during the update):
        # a trial sampling in its own process holds one CPU, and its neighbours the others
        discriminator_thread=settings.num_env_runners > 0,
    )


def scalar_metrics(metrics: dict[str, Any], prefix: str = "fidelity/") -> dict[str, float]:
    """The finite-or-nan scalar entries of a (nested) metrics dict, flattened with ``/``."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            out.update(scalar_metrics(value, f"{prefix}{key}/"))
        elif isinstance(value, bool | int | float) or hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            out[f"{prefix}{key}"] = float(value)
    return out


def measured_targets(patient: PatientSpec) -> dict[str, float]:
    """What the patient's own gait events measured (the reference's stance per side, %), for the objective's
    stance term (:func:`rl_gait.personalize.objective.objective_from_metrics`)."""
    r, l_ = patient.reference.stance_fraction
    return {"stance_pct_r": 100.0 * float(r), "stance_pct_l": 100.0 * float(l_)}


def personalization_trainable(config: dict[str, Any], *, patients: dict[str, PatientSpec],
                              settings: TrialSettings) -> None:
    """Tune function trainable: one patient (``config["patient_id"]``), one :class:`Candidate`."""
    import ray
    from ray import tune

    from rl_gait.envs import register_with_ray
    from rl_gait.learner import Policy, evaluate, resume_algorithm
    from rl_gait.learner.checkpoint import save_algorithm

    register_with_ray()
    patient = patients[config[PATIENT_KEY]]
    candidate = Candidate.from_config(config)
    algo_config = learner_config(patient, candidate, settings)
    env = algo_config.rl_gait_env
    algo = algo_config.build_algo()
    state = {"algo_iteration": 0, "best_objective": math.inf, "resumed_from_iteration": -1}
    checkpoint = tune.get_checkpoint()
    if checkpoint is not None:
        with checkpoint.as_directory() as ckpt_dir:
            resume_algorithm(algo, Path(ckpt_dir) / ALGO_SUBDIR)
            state = read_json(Path(ckpt_dir) / STATE_FILE)
            state["best_objective"] = math.inf if state["best_objective"] is None else state["best_objective"]
        state["resumed_from_iteration"] = state["algo_iteration"]
    node_id = ray.get_runtime_context().get_node_id()
    try:
        while state["algo_iteration"] < settings.max_iterations:
            steps = min(settings.report_every, settings.max_iterations - state["algo_iteration"])
            for _ in range(steps):
                algo.train()
            state["algo_iteration"] += steps
            metrics = evaluate(Policy(algo.get_module()), env, n_rollouts=settings.eval_rollouts, seed=settings.eval_seed,
                               duration_s=settings.eval_duration_s, target_spatiotemporal=measured_targets(patient))
            objective = objective_from_metrics(metrics, settings.objective)
            state["best_objective"] = min(state["best_objective"], objective)
            report = {METRIC: objective, TIME_ATTR: state["algo_iteration"], PATIENT_KEY: patient.patient_id,
                      "best_objective": state["best_objective"], "node_id": node_id,
                      "resumed_from_iteration": state["resumed_from_iteration"], **scalar_metrics(metrics)}
            with tempfile.TemporaryDirectory(prefix="rl_gait_trial_") as tmp:
                save_algorithm(algo, Path(tmp) / ALGO_SUBDIR)  # + the policy without pickle, what export_best ships
                write_json(Path(tmp) / STATE_FILE, state)  # best_objective inf (none yet) is written null
                write_json(Path(tmp) / "fidelity.json", {"objective": objective, "metrics": scalar_metrics(metrics, ""),
                                                         "candidate": candidate.to_dict()})
                tune.report(report, checkpoint=tune.Checkpoint.from_directory(tmp))
    finally:
        algo.stop()
