"""``WalkEnvConfig``: every setting of a :class:`~rl_gait.envs.walk.WalkEnv`, in one frozen, versioned dataclass.

Built once (by the CLI, the pipeline or an experiment script) and passed whole: personalize → curriculum →
learner → env (``gym.make(env_id, config=cfg)``; the plain keyword form ``gym.make(env_id, stair_fit=False)``
builds one). The checkpoint sidecar records :meth:`WalkEnvConfig.to_dict` under ``env_config`` and
:func:`rl_gait.learner.checkpoint.env_config_from_sidecar` reads it back (older sidecars migrated there), so
predictions and the report roll a policy out with the settings it was trained with. A new env option is one
field here (with its default, the value older checkpoints had when that differs, in
:data:`FIELDS_BEFORE_RECORDED`).

The reference travels in the dict as what :meth:`ReferenceMotion.save` writes (its JSON meta, the curves as
lists, the approach nested): a config read back rebuilds the same env without the files it was made from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Literal

from rl_gait.body.params import BodyParams, PDParams
from rl_gait.envs.registration import BODY_MODELS, ENV_IDS
from rl_gait.envs.rewards import RewardWeights
from rl_gait.reference.motion import ReferenceMotion
from rl_gait.tasks import Task
from rl_gait.terrain.terrain import TerrainLayout

CONFIG_VERSION = 1
TrunkPitch = Literal["upright", "reference"]
TRUNK_PITCHES: tuple[str, ...] = ("upright", "reference")
BodyModel = Literal["planar", "3d"]
PLANAR_ONLY_OPTIONS: dict[str, Any] = {"trunk_pitch": "upright", "feature_start_prob": 0.0, "max_lag_m": None,
                                       "max_retreat_m": None, "max_lead_m": None}
"""Options the 3D env does not implement, at the value it behaves as (the stair fit and the level approach are
planar-only too: the 3D body tracks the task's reference from the first step, :mod:`rl_gait.envs.walk3d`)."""

TRAINING_ONLY_FIELDS: tuple[str, ...] = ("feature_start_prob", "max_lag_m", "max_retreat_m", "max_lead_m",
                                         "weakness_range")
"""Options that shape training episodes (where they start, when they end, a body weakened per episode); a
policy is rolled out for predictions and evaluations without them (:meth:`WalkEnvConfig.for_rollouts`)."""

SWING_CLEARANCE_M = 0.015
"""Default swing-foot clearance of level references (m): a healthy adult's minimum toe clearance in mid-swing is
1.3 ± 0.6 cm (Winter 1992, "Foot trajectory in human gait"); with it and the contact-timing term the level twins' joint
curves correlated better on 7 of 8 recording × seed pairs, and the pipeline's twins step at the patients' cadence
(docs/planar_vs_3d.md, run 4)."""

FIELDS_BEFORE_RECORDED: dict[str, Any] = {"trunk_pitch": "upright", "stair_fit": False, "level_approach": False,
                                          "lumbar_locked": False, "swing_clearance_m": None}
"""Options that change what a reference asks of the body, at the values every checkpoint trained before they
were recorded had (their defaults now differ). A migrated sidecar that does not record one gets this value."""


@dataclass(frozen=True)
class WalkEnvConfig:
    """What a :class:`~rl_gait.envs.walk.WalkEnv` simulates and rewards.

    Attributes:
        task: terrain and target speed (:class:`~rl_gait.tasks.Task`).
        reference: the tracked :class:`~rl_gait.reference.ReferenceMotion`; ``None`` = the healthy atlas
            reference for ``task``.
        body: the (personalized) body, :class:`~rl_gait.body.BodyParams`.
        pd: the PD controller per joint and side; ``None`` = :meth:`PDParams.default_for` ``body``.
        reward_weights: weights and kernel scales of the reward terms.
        terrain_layout: where the feature starts and how many stairs it has.
        episode_duration_s: truncation time, s.
        action_scale_rad: residual action scale, rad (``q_target = q_ref + action_scale_rad · a``).
        init_noise_rad: joint-angle noise of the reference state initialisation, rad.
        feature_start_prob: share of slope / stair episodes started at a random point on the feature
            (training only).
        max_lag_m: end an episode this far behind the target speed's schedule, m; ``None`` = never (training).
        max_retreat_m: end an episode this far behind the farthest point reached, m; ``None`` = never (training).
        max_lead_m: end an episode this far ahead of the target speed's schedule, m; ``None`` = never (training).
        weakness_range: ``(lo, hi)``, ``0 < lo <= hi <= 1``: weaken one side's PD gains and torque limits by a
            factor drawn per episode; ``None`` = the body as given (training of population priors).
        trunk_pitch: ``"upright"`` (pitch 0) or ``"reference"`` (the reference's consistent pitch,
            :mod:`rl_gait.envs.trunk_pitch`).
        stair_fit: on stairs, track the reference fitted to the treads (:mod:`rl_gait.envs.stair_fit`).
        level_approach: walk the level approach of slopes and stairs with the reference's level gait.
        swing_clearance_m: on level ground, track the reference fitted so that each swing foot's lowest point stays
            this far (m) above the stance foot's over the middle of the swing (:mod:`rl_gait.envs.swing_fit`;
            default :data:`SWING_CLEARANCE_M`); ``None`` = the reference as given (what checkpoints before
            2026-12-06 saw).
        body_model: ``"planar"`` (:class:`~rl_gait.envs.walk.WalkEnv`) or ``"3d"`` (experimental,
            :class:`~rl_gait.envs.walk3d.Walk3DEnv`; ``reward_weights`` then a ``Reward3DWeights``: the default
            ``RewardWeights()`` becomes the 3D default).
        lumbar_locked: the 3D body's trunk rigid on the pelvis (lumbar joints held at 0, as the 3D prototype that
            walked, ``shared/docs/SIM_NOTES.md``); ``False`` = an actuated 2-DOF lumbar joint. The planar body
            has no lumbar joint and ignores it.
    """

    task: Task = field(default_factory=Task)
    reference: ReferenceMotion | None = None
    body: BodyParams = field(default_factory=BodyParams)
    pd: PDParams | None = None
    reward_weights: RewardWeights = field(default_factory=RewardWeights)
    terrain_layout: TerrainLayout = field(default_factory=TerrainLayout)
    episode_duration_s: float = 10.0
    action_scale_rad: float = 0.5
    init_noise_rad: float = 0.02
    feature_start_prob: float = 0.0
    max_lag_m: float | None = None
    max_retreat_m: float | None = None
    max_lead_m: float | None = None
    weakness_range: tuple[float, float] | None = None
    trunk_pitch: TrunkPitch = "upright"
    stair_fit: bool = True
    level_approach: bool = True
    swing_clearance_m: float | None = SWING_CLEARANCE_M
    body_model: BodyModel = "planar"
    lumbar_locked: bool = True

    VERSION: ClassVar[int] = CONFIG_VERSION

    def __post_init__(self) -> None:
        if not self.episode_duration_s > 0 or not self.action_scale_rad > 0 or not self.init_noise_rad >= 0:
            raise ValueError("need episode_duration_s > 0, action_scale_rad > 0 and init_noise_rad >= 0, got "
                             f"{self.episode_duration_s}, {self.action_scale_rad}, {self.init_noise_rad}")
        if not 0.0 <= self.feature_start_prob <= 1.0:
            raise ValueError(f"feature_start_prob must be within [0, 1], got {self.feature_start_prob}")
        for name in ("max_lag_m", "max_retreat_m", "max_lead_m", "swing_clearance_m"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be > 0 or None, got {value}")
        if self.weakness_range is not None:
            lo, hi = (float(v) for v in self.weakness_range)
            if not 0.0 < lo <= hi <= 1.0:
                raise ValueError(f"weakness_range must be (lo, hi) with 0 < lo <= hi <= 1, got {self.weakness_range}")
            object.__setattr__(self, "weakness_range", (lo, hi))
        if self.body_model not in BODY_MODELS:
            raise ValueError(f"body_model must be one of {BODY_MODELS}, got {self.body_model!r}")
        if self.body_model == "3d" and type(self.reward_weights) is RewardWeights:
            from rl_gait.envs.walk3d import Reward3DWeights

            if self.reward_weights != RewardWeights():
                raise ValueError("reward_weights of the 3D body must be Reward3DWeights (it has the 3D terms)")
            object.__setattr__(self, "reward_weights", Reward3DWeights())  # the default: the 3D body's default
        if self.trunk_pitch not in TRUNK_PITCHES:
            raise ValueError(f"trunk_pitch must be one of {TRUNK_PITCHES}, got {self.trunk_pitch!r}")
        for name in ("episode_duration_s", "action_scale_rad", "init_noise_rad", "feature_start_prob"):
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "stair_fit", bool(self.stair_fit))
        object.__setattr__(self, "level_approach", bool(self.level_approach))
        object.__setattr__(self, "lumbar_locked", bool(self.lumbar_locked))

    # ------------------------------------------------------------------ derived
    @property
    def env_id(self) -> str:
        """The Gymnasium id of this task's terrain (``rl_gait/LevelWalk-v0`` …)."""
        return ENV_IDS[self.task.terrain]

    @property
    def walk(self) -> WalkEnvConfig:
        """This config (a wrapper's config holds its walking env's under ``walk``: the learner reads either)."""
        return self

    @property
    def pd_params(self) -> PDParams:
        """``pd``, or the default PD controller of ``body``."""
        return self.pd if self.pd is not None else PDParams.default_for(self.body, self.body_model)

    def walk3d_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :class:`~rl_gait.envs.walk3d.Walk3DEnv` (``body_model="3d"``); an option it does
        not implement (:data:`PLANAR_ONLY_OPTIONS`) set to another value is refused."""
        unsupported = sorted(k for k, v in PLANAR_ONLY_OPTIONS.items() if getattr(self, k) != v)
        if unsupported:
            raise ValueError(f"the 3D env does not implement {unsupported}; leave them at their defaults")
        return dict(task=self.task, reference=self.reference, body=self.body, pd=self.pd,
                    reward_weights=self.reward_weights,
                    terrain_layout=self.terrain_layout, episode_duration_s=self.episode_duration_s,
                    action_scale_rad=self.action_scale_rad, init_noise_rad=self.init_noise_rad,
                    weakness_range=self.weakness_range, lumbar_locked=self.lumbar_locked,
                    swing_clearance_m=self.swing_clearance_m)

    def replace(self, **changes: Any) -> WalkEnvConfig:
        """A copy with ``changes`` (field names of this class)."""
        return replace(self, **changes)

    def for_rollouts(self, **changes: Any) -> WalkEnvConfig:
        """This config without the training-only options (:data:`TRAINING_ONLY_FIELDS`), plus ``changes``:
        what predictions and evaluations roll a policy out with."""
        base = {f.name: f.default for f in fields(self) if f.name in TRAINING_ONLY_FIELDS}
        return replace(self, **{**base, **changes})

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (``version`` included); :meth:`from_dict` inverts it exactly."""
        return {
            "version": CONFIG_VERSION,
            "task": self.task.to_dict(),
            "reference": None if self.reference is None else self.reference.to_dict(),
            "body": self.body.to_dict(),
            "pd": None if self.pd is None else self.pd.to_dict(),
            "reward_weights": self.reward_weights.to_dict(),
            "terrain_layout": {f.name: getattr(self.terrain_layout, f.name) for f in fields(self.terrain_layout)},
            **{name: _plain(getattr(self, name)) for name in _SCALAR_FIELDS},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WalkEnvConfig:
        """Inverse of :meth:`to_dict`. A field the dict lacks gets its default, except the options of
        :data:`FIELDS_BEFORE_RECORDED`, which get the value they had before they were recorded."""
        version = int(d.get("version", CONFIG_VERSION))
        if version > CONFIG_VERSION:
            raise ValueError(f"env config version {version} is newer than this rl_gait's ({CONFIG_VERSION}): "
                             "update rl_gait")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known - {"version"})
        if unknown:
            raise ValueError(f"unknown env config fields {unknown}; known: {sorted(known)}")
        kw: dict[str, Any] = {**FIELDS_BEFORE_RECORDED}
        for name in _SCALAR_FIELDS:
            if name in d:
                kw[name] = d[name]
        if kw.get("weakness_range") is not None:
            kw["weakness_range"] = tuple(kw["weakness_range"])
        if d.get("task") is not None:
            kw["task"] = Task.from_dict(d["task"])
        if d.get("reference") is not None:
            kw["reference"] = ReferenceMotion.from_dict(d["reference"])
        if d.get("body") is not None:
            kw["body"] = BodyParams.from_dict(d["body"])
        if d.get("pd") is not None:
            kw["pd"] = PDParams.from_dict(d["pd"])
        if d.get("reward_weights") is not None:
            weights_cls = RewardWeights
            if kw.get("body_model") == "3d":
                from rl_gait.envs.walk3d import Reward3DWeights as weights_cls
            kw["reward_weights"] = weights_cls(**d["reward_weights"])
        if d.get("terrain_layout") is not None:
            kw["terrain_layout"] = TerrainLayout(**d["terrain_layout"])
        return cls(**kw)


_SCALAR_FIELDS: tuple[str, ...] = ("episode_duration_s", "action_scale_rad", "init_noise_rad", "feature_start_prob",
                                   "max_lag_m", "max_retreat_m", "max_lead_m", "weakness_range", "trunk_pitch", "stair_fit",
                                   "level_approach", "swing_clearance_m", "body_model", "lumbar_locked")


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"env config values must be finite, got {value}")
    return value


def env_config(config: WalkEnvConfig | None = None, **fields_: Any) -> WalkEnvConfig:
    """``config`` (default: the default config) with ``fields_`` replaced: the one place that turns the plain
    keyword form (``WalkEnv(stair_fit=False)``, ``gym.make(id, task=...)``) into a config."""
    base = config if config is not None else WalkEnvConfig()
    return replace(base, **fields_) if fields_ else base
