"""What is predicted: task families, their difficulty levels, rollouts and perturbations."""

from __future__ import annotations

from dataclasses import dataclass, field

from rl_gait.curriculum.curriculum import FAMILIES
from rl_gait.errors import RlGaitError
from rl_gait.reference.motion import STAIR_STRATEGIES
from rl_gait.tasks import Task


@dataclass(frozen=True)
class Perturbations:
    """Small seeded perturbations of each rollout (all drawn from the rollout's seed).

    Attributes:
        init_noise_rad: SD of the joint-angle noise added to the reference start pose (rad).
        push_force_n: peak horizontal force of one push on the pelvis (N); 0 disables pushes. The
            force is uniform in ``[−push_force_n, +push_force_n]`` (forward or backward); on a body that can move
            sideways (the 3D body's free pelvis) its direction is drawn uniformly in the horizontal plane
            (:func:`rl_gait.predict.rollouts.draw_push_direction`).
        push_duration_s: how long the push lasts (s).
        push_window_s: the push starts uniformly within this interval of the rollout (s).
    """

    init_noise_rad: float = 0.03
    push_force_n: float = 40.0
    push_duration_s: float = 0.1
    push_window_s: tuple[float, float] = (1.0, 4.0)

    def __post_init__(self) -> None:
        if self.init_noise_rad < 0 or self.push_force_n < 0 or self.push_duration_s < 0:
            raise ValueError("perturbation sizes must be >= 0")
        if not 0 <= self.push_window_s[0] <= self.push_window_s[1]:
            raise ValueError(f"push_window_s must be an ordered (start, stop) pair, got {self.push_window_s}")


@dataclass(frozen=True)
class PredictionSettings:
    """How many rollouts of which tasks.

    Attributes:
        slope_grades_deg: slope levels (deg, positive); each is walked up and down.
        stair_heights_m: stair rises (m); each is walked up and down.
        step_depth_m: stair tread depth (m).
        families: which task families to predict (subset of :data:`FAMILIES`).
        n_rollouts: seeded rollouts per task level (seeds ``seed … seed + n − 1``, the same at every
            level: common random numbers make levels comparable).
        duration_s: simulated seconds per rollout (the env's success needs the goal distance covered).
        seed: first rollout seed.
        perturbations: see :class:`Perturbations`.
        stair_strategies: how stairs are walked, each rolled out per stair level
            (:data:`rl_gait.reference.motion.STAIR_STRATEGIES`; step-over-step always, step-to where the
            checkpoint was trained on it).
        evaluate_untrained_strategies: roll out a strategy the checkpoint was not trained on too (its entry says
            so and the verdict does not use it); off by default.
    """

    slope_grades_deg: tuple[float, ...] = (2.5, 5.0, 7.5, 10.0, 12.5)
    stair_heights_m: tuple[float, ...] = (0.08, 0.12, 0.15, 0.17, 0.20)
    step_depth_m: float = 0.30
    families: tuple[str, ...] = FAMILIES
    n_rollouts: int = 20
    duration_s: float = 10.0
    seed: int = 0
    perturbations: Perturbations = field(default_factory=Perturbations)
    stair_strategies: tuple[str, ...] = STAIR_STRATEGIES
    evaluate_untrained_strategies: bool = False

    def __post_init__(self) -> None:
        unknown = [f for f in self.families if f not in FAMILIES]
        if unknown:
            raise RlGaitError(f"unknown task families {unknown}", fix=f"choose from {', '.join(FAMILIES)}")
        if self.n_rollouts < 1 or self.duration_s <= 0:
            raise RlGaitError("n_rollouts must be >= 1 and duration_s > 0")
        if "step_over_step" not in self.stair_strategies or set(self.stair_strategies) - set(STAIR_STRATEGIES):
            raise RlGaitError(f"stair_strategies must include step_over_step, from {STAIR_STRATEGIES}; got "
                              f"{self.stair_strategies}")
        if any(g <= 0 for g in self.slope_grades_deg) or any(h <= 0 for h in self.stair_heights_m):
            raise RlGaitError("slope grades and stair heights must be positive (direction comes from the family)")


def task_levels(settings: PredictionSettings) -> dict[str, list[Task]]:
    """``{family: [Task, ...]}`` ordered from easiest to hardest."""
    out: dict[str, list[Task]] = {}
    for fam in settings.families:
        if fam == "level":
            out[fam] = [Task()]
        elif fam.startswith("slope"):
            sign = 1.0 if fam == "slope_up" else -1.0
            out[fam] = [Task("slope", grade_deg=sign * g) for g in sorted(settings.slope_grades_deg)]
        else:
            out[fam] = [Task("stairs", step_height_m=h, step_depth_m=settings.step_depth_m,
                             ascending=fam == "stairs_up") for h in sorted(settings.stair_heights_m)]
    return out


def difficulty_label(task: Task) -> str:
    """Human label of a level: ``"0°"``, ``"7.5°"``, ``"15 cm"``."""
    if task.terrain == "slope":
        return f"{abs(task.grade_deg):g}°"
    if task.terrain == "stairs":
        return f"{task.step_height_m * 100:g} cm"
    return "level"


def difficulty_value(task: Task) -> float:
    """Unsigned difficulty: grade in degrees (slopes), rise in cm (stairs), 0 (level)."""
    if task.terrain == "slope":
        return abs(task.grade_deg)
    if task.terrain == "stairs":
        return task.step_height_m * 100.0
    return 0.0
