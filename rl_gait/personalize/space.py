"""The personalization search space: typed ranges over the fields of the parameter dataclasses.

A :class:`Candidate` is one point of the search: per-side PD gain and torque-limit scales (paretic
weakness, applied with :meth:`rl_gait.body.PDParams.scaled`), per-side passive joint stiffness
(spasticity) and the passive damping of :class:`rl_gait.body.BodyParams`, the imitation weights of
:class:`rl_gait.learner.ImitationParams`, the pose-reward kernel of :class:`rl_gait.envs.rewards.RewardWeights`
and the learning rate. A :class:`SearchSpace` gives one
:class:`ParamRange` per candidate field; :func:`search_space_for` derives it from the patient's trial
(:class:`PatientPrior`), and its :meth:`SearchSpace.centre` is the first point Optuna evaluates.

Priors (heuristics from the trial, documented so they can be argued with, not fitted values):

- ``rom_ratio`` = mean over joint types measured on both sides of sagittal range of motion
  paretic / non-paretic, clipped to [0.2, 1]. A stiff paretic knee (range ~15° vs ~65°) gives ~0.25.
- Reduced range is split between weakness and spasticity: the paretic side's gain and torque
  scales start at ``0.5 + 0.5 · rom_ratio`` (range [0.3, 1.1]), its passive stiffness at
  ``STIFFNESS_MAX_NM_PER_RAD · (1 − rom_ratio) / 2`` (range [0, STIFFNESS_MAX_NM_PER_RAD]). The
  non-paretic side starts healthy (scale 1 in [0.8, 1.2], stiffness 2 N·m/rad in [0, 10]).
- With ``paretic_side == "none"`` both sides get the non-paretic ranges.

- Learner: the search starts with BC off (range 0–0.5, linear, so that 0 stays reachable) and a sharp
  pose kernel (k = 6/rad², log range 1.5–12): measured with ``experiments/hybrid_vs_physics.py``
  warm-started from the atlas (same seed, 6-min cap, six StrokeAvatar recordings), BC 0 reached
  8° joint RMSE on 4 of 6 patients (19–222 s; ``runs/hvp7``), BC 0.05 on 3 (130–271 s, each slower;
  ``runs/hvp6``), BC 0.5 / k 2 on ``walk468–470`` in 148 s, then drifted to 9.4° — BC's kinematic
  targets under-command a weakened side, and with k = 2 (the reward halves only at ~14° RMSE) the
  policy trades pose for the other terms. The discriminator's style reward stays on (0.5).

The derivative gain follows the proportional one as ``kd_scale = sqrt(kp_scale)``: for a joint of
inertia ``I`` the damping ratio ``kd / (2·sqrt(kp·I))`` then stays what the healthy defaults chose,
so the search does not spend a dimension on it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from rl_gait.joints import JOINT_NAMES, JOINT_TYPES, SIDES, side_code

STIFFNESS_MAX_NM_PER_RAD = 60.0
"""Upper bound of the paretic passive stiffness (≈1 N·m/deg, a moderately spastic knee)."""
NON_PARETIC_STIFFNESS_MAX_NM_PER_RAD = 10.0
ROM_RATIO_BOUNDS = (0.2, 1.0)


@dataclass(frozen=True)
class PatientPrior:
    """What the trial says about the patient before any simulation.

    Attributes:
        patient_id: pseudonymous id.
        paretic_side: ``"r"``, ``"l"`` or ``"none"`` (joint-name suffix convention).
        rom_ratio: mean sagittal range of motion paretic / non-paretic, in ``ROM_RATIO_BOUNDS``
            (1.0 when no side is paretic).
    """

    patient_id: str
    paretic_side: str
    rom_ratio: float

    def __post_init__(self) -> None:
        if self.paretic_side not in ("r", "l", "none"):
            raise ValueError(f"paretic_side must be 'r', 'l' or 'none', got {self.paretic_side!r}")
        if not ROM_RATIO_BOUNDS[0] <= self.rom_ratio <= ROM_RATIO_BOUNDS[1]:
            raise ValueError(f"rom_ratio must be within {ROM_RATIO_BOUNDS}, got {self.rom_ratio}")


def range_of_motion_rad(curves_rad: np.ndarray) -> np.ndarray:
    """Range of motion (max − min, rad) of each curve of ``curves_rad`` ``[J, T]`` → ``[J]``."""
    curves = np.asarray(curves_rad, dtype=np.float64)
    return curves.max(axis=1) - curves.min(axis=1)


def rom_ratio(curves_rad: np.ndarray, joint_names: tuple[str, ...], paretic_side: str) -> float:
    """Mean over joint types present on both sides of ROM(paretic) / ROM(non-paretic), clipped.

    Args:
        curves_rad: ``[J, T]`` stride-normalised joint-angle curves (rad), rows named by ``joint_names``.
        joint_names: names from :data:`rl_gait.joints.JOINT_NAMES`.
        paretic_side: ``"r"``, ``"l"`` or ``"none"`` (→ 1.0).
    """
    if paretic_side == "none":
        return 1.0
    other = "l" if paretic_side == "r" else "r"
    rom = dict(zip(joint_names, range_of_motion_rad(curves_rad), strict=True))
    ratios = [
        rom[f"{j}_{paretic_side}"] / rom[f"{j}_{other}"]
        for j in JOINT_TYPES
        if f"{j}_{paretic_side}" in rom and f"{j}_{other}" in rom and rom[f"{j}_{other}"] > 0
    ]
    if not ratios:
        return 1.0
    return float(np.clip(np.mean(ratios), *ROM_RATIO_BOUNDS))


def prior_from_trial(trial: Any) -> PatientPrior:
    """:class:`PatientPrior` of a :class:`rl_gait.ingest.GaitTrial` (its mean curves and paretic side)."""
    side = side_code(trial.paretic_side)
    return PatientPrior(
        patient_id=trial.subject_id,
        paretic_side=side,
        rom_ratio=rom_ratio(trial.curves_mean_rad, tuple(trial.joint_names), side),
    )


@dataclass(frozen=True)
class ParamRange:
    """A closed interval to sample from (log-uniformly when ``log``) and the point to start from."""

    low: float
    high: float
    start: float
    log: bool = False

    def __post_init__(self) -> None:
        if not self.low <= self.start <= self.high or self.low == self.high:
            raise ValueError(f"need low <= start <= high and low < high, got {self}")
        if self.log and self.low <= 0:
            raise ValueError(f"a log range needs low > 0, got {self}")

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_tune(self) -> Any:
        from ray import tune

        return tune.loguniform(self.low, self.high) if self.log else tune.uniform(self.low, self.high)


@dataclass(frozen=True)
class Candidate:
    """One personalization hypothesis: how the patient's body, controller and learner are set.

    Attributes:
        kp_scale_r, kp_scale_l: PD proportional-gain multipliers per side (kd scales by the sqrt).
        torque_scale_r, torque_scale_l: PD torque-limit multipliers per side (weakness).
        stiffness_nm_per_rad_r, stiffness_nm_per_rad_l: passive joint stiffness per side (spasticity).
        damping_nms_per_rad: passive joint damping, all leg joints.
        bc_coeff: behaviour-cloning loss weight.
        style_reward_weight: weight of the discriminator (style) reward relative to the env's task
            reward (whose weight stays the learner's default).
        k_pose_per_rad2: sharpness of the env's pose reward ``exp(-k Σ (q − q_ref)²)`` (1/rad²).
        lr: policy learning rate.
    """

    kp_scale_r: float = 1.0
    kp_scale_l: float = 1.0
    torque_scale_r: float = 1.0
    torque_scale_l: float = 1.0
    stiffness_nm_per_rad_r: float = 0.0
    stiffness_nm_per_rad_l: float = 0.0
    damping_nms_per_rad: float = 1.0
    bc_coeff: float = 0.0
    style_reward_weight: float = 0.5
    k_pose_per_rad2: float = 6.0
    lr: float = 3e-4

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Candidate:
        """The candidate fields of a Tune trial config (other keys are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in config.items() if k in names})

    def body(self, base: Any) -> Any:
        """``base`` (a :class:`rl_gait.body.BodyParams`) with this candidate's passive joint properties.

        The per-side stiffness is written as ``joint_stiffness_nm_per_rad = 1`` times a per-joint
        ``joint_stiffness_scale`` equal to the side's stiffness, so each side is set in N·m/rad.
        """
        per_joint = tuple(
            self.stiffness_nm_per_rad_r if name.endswith("_r") else self.stiffness_nm_per_rad_l
            for name in JOINT_NAMES
        )
        return replace(base, joint_damping_nms_per_rad=self.damping_nms_per_rad,
                       joint_stiffness_nm_per_rad=1.0, joint_stiffness_scale=per_joint)

    def pd(self, base: Any) -> Any:
        """``base`` (a :class:`rl_gait.body.PDParams`) scaled per side: kp, kd = sqrt(kp), torque."""
        pd = base
        for side in SIDES:
            kp = getattr(self, f"kp_scale_{side}")
            pd = pd.scaled(side, kp=kp, kd=math.sqrt(kp), torque=getattr(self, f"torque_scale_{side}"))
        return pd

    def imitation(self, base: Any) -> Any:
        """``base`` (a :class:`rl_gait.learner.ImitationParams`) with this candidate's weights."""
        return replace(base, bc_coeff=self.bc_coeff, style_reward_weight=self.style_reward_weight)

    def reward_weights(self, base: Any) -> Any:
        """``base`` (a :class:`rl_gait.envs.rewards.RewardWeights`) with this candidate's pose kernel."""
        return replace(base, k_pose_per_rad2=self.k_pose_per_rad2)


@dataclass(frozen=True)
class SearchSpace:
    """One :class:`ParamRange` per :class:`Candidate` field."""

    kp_scale_r: ParamRange
    kp_scale_l: ParamRange
    torque_scale_r: ParamRange
    torque_scale_l: ParamRange
    stiffness_nm_per_rad_r: ParamRange
    stiffness_nm_per_rad_l: ParamRange
    damping_nms_per_rad: ParamRange
    bc_coeff: ParamRange
    style_reward_weight: ParamRange
    k_pose_per_rad2: ParamRange
    lr: ParamRange

    def ranges(self) -> dict[str, ParamRange]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def centre(self) -> Candidate:
        """The starting point (each range's ``start``): what the trial alone suggests."""
        return Candidate(**{name: r.start for name, r in self.ranges().items()})

    def contains(self, candidate: Candidate) -> bool:
        return all(r.contains(getattr(candidate, name)) for name, r in self.ranges().items())

    def to_tune(self) -> dict[str, Any]:
        """Tune sample domains (``tune.uniform`` / ``tune.loguniform``) keyed by candidate field."""
        return {name: r.to_tune() for name, r in self.ranges().items()}


def _strength_range(paretic: bool, rom_ratio_: float) -> ParamRange:
    if paretic:
        return ParamRange(0.3, 1.1, 0.5 + 0.5 * rom_ratio_)
    return ParamRange(0.8, 1.2, 1.0)


def _stiffness_range(paretic: bool, rom_ratio_: float) -> ParamRange:
    if paretic:
        return ParamRange(0.0, STIFFNESS_MAX_NM_PER_RAD, STIFFNESS_MAX_NM_PER_RAD * (1.0 - rom_ratio_) / 2)
    return ParamRange(0.0, NON_PARETIC_STIFFNESS_MAX_NM_PER_RAD, 2.0)


def search_space_for(prior: PatientPrior) -> SearchSpace:
    """The search space of one patient (see the module docstring for the priors)."""
    per_side: dict[str, ParamRange] = {}
    for side in SIDES:
        paretic = side == prior.paretic_side
        strength = _strength_range(paretic, prior.rom_ratio)
        per_side[f"kp_scale_{side}"] = strength
        per_side[f"torque_scale_{side}"] = strength
        per_side[f"stiffness_nm_per_rad_{side}"] = _stiffness_range(paretic, prior.rom_ratio)
    return SearchSpace(
        **per_side,
        damping_nms_per_rad=ParamRange(0.3, 5.0, 1.0, log=True),
        bc_coeff=ParamRange(0.0, 0.5, 0.0),
        style_reward_weight=ParamRange(0.1, 2.0, 0.5, log=True),
        k_pose_per_rad2=ParamRange(1.5, 12.0, 6.0, log=True),
        lr=ParamRange(1e-4, 1e-3, 3e-4, log=True),
    )
