"""Typed parameters of the learner: imitation weights (searched by Tune) and training budgets."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Literal

from rl_gait.tasks import TERRAIN_CLASSES

BudgetName = Literal["smoke", "quick", "standard"]


@dataclass(frozen=True)
class ImitationParams:
    """Weights of the hybrid (PPO + BC + GAIL) objective. Tune searches these fields.

    Attributes:
        bc_coeff: weight of the behaviour-cloning MSE (``rl_gait.learner.losses.bc_mse_loss``) added to
            the PPO loss of the policy.
        style_reward_weight: weight of the GAIL style reward ``softplus(logit)`` in the reward used for
            advantages.
        task_reward_weight: weight of the env's own reward (tracking + goal terms).
        disc_lr: Adam learning rate of the discriminator.
        grad_penalty: weight of the zero-centred gradient penalty on expert inputs.
        bc_batch_size: demonstration samples per BC / discriminator minibatch.
        disc_hidden: discriminator MLP layer sizes.
        disc_num_epochs: passes of the discriminator over each training batch; ``None`` = the policy's
            ``num_epochs`` (a step on every minibatch, RLlib's joint step). A number ``e`` steps it on the first
            ``⌈e × batch / minibatch⌉`` minibatches of each update (:func:`disc_steps_per_update`).
        anchor_coeff: weight of the distance between the policy's mean action and its warm start's, on the
            policy's own sampled states (``rl_gait.learner.losses.anchor_mse_loss``): keeps what the warm
            start could do while a training stretch changes something else; 0 = off; needs a warm start.
        anchor_class_weights: per terrain class (:data:`rl_gait.tasks.TERRAIN_CLASSES`), how strongly its
            samples are anchored, as ``((class, weight), ...)`` or a ``{class: weight}`` mapping; classes not
            named weigh 1. Weight 0 leaves a class free (the skill the stretch is meant to change); a weight
            above 1 protects a skill the stretch keeps drifting (stored sorted by class).
    """

    bc_coeff: float = 0.5
    style_reward_weight: float = 0.5
    task_reward_weight: float = 1.0
    # AMP's settings (Peng et al. 2021: gradient penalty 10, a slow discriminator): with 1e-4 / 5 and a step
    # on every minibatch the discriminator separated policy from demonstrations within a few iterations
    # (accuracy 0.98–1.0) and the style reward vanished (~0.04 per step) in a quick-budget run on a stroke clip.
    # One pass over each batch (4 steps of 1,000 instead of 20) at 5 × 3e-5: the same learning rate × steps per
    # update, a quarter of the discriminator's CPU; learning curves on two recordings and two seeds in
    # docs/throughput.md.
    disc_lr: float = 1.5e-4
    grad_penalty: float = 10.0
    bc_batch_size: int = 512
    disc_hidden: tuple[int, ...] = (256, 256)
    disc_num_epochs: float | None = 1.0
    anchor_coeff: float = 0.0
    anchor_class_weights: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        for f in ("bc_coeff", "style_reward_weight", "task_reward_weight", "grad_penalty", "anchor_coeff"):
            if getattr(self, f) < 0:
                raise ValueError(f"ImitationParams.{f} must be >= 0, got {getattr(self, f)}")
        if not self.disc_lr > 0:
            raise ValueError(f"ImitationParams.disc_lr must be > 0, got {self.disc_lr}")
        if self.bc_batch_size < 1:
            raise ValueError(f"ImitationParams.bc_batch_size must be >= 1, got {self.bc_batch_size}")
        if self.disc_num_epochs is not None and not self.disc_num_epochs > 0:
            raise ValueError(f"ImitationParams.disc_num_epochs must be > 0 or None, got {self.disc_num_epochs}")
        object.__setattr__(self, "disc_hidden", tuple(int(h) for h in self.disc_hidden))
        pairs = dict(self.anchor_class_weights.items() if isinstance(self.anchor_class_weights, Mapping)
                     else self.anchor_class_weights)
        unknown = set(pairs) - set(TERRAIN_CLASSES)
        if unknown:
            raise ValueError(f"ImitationParams.anchor_class_weights: unknown terrain classes {sorted(unknown)}; "
                             f"choose from {TERRAIN_CLASSES}")
        if any(float(w) < 0 for w in pairs.values()):
            raise ValueError(f"ImitationParams.anchor_class_weights must be >= 0, got {pairs}")
        object.__setattr__(self, "anchor_class_weights", tuple(sorted((str(c), float(w)) for c, w in pairs.items())))

    def anchor_weight_per_class(self) -> tuple[float, ...]:
        """The anchor weight of each class of :data:`rl_gait.tasks.TERRAIN_CLASSES`, in that order."""
        named = dict(self.anchor_class_weights)
        return tuple(named.get(c, 1.0) for c in TERRAIN_CLASSES)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["disc_hidden"] = list(self.disc_hidden)
        d["anchor_class_weights"] = dict(self.anchor_class_weights)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ImitationParams:
        names = {f.name for f in fields(cls)}
        return cls(**{k: (tuple(v) if k == "disc_hidden" else v) for k, v in d.items() if k in names})


def disc_steps_per_update(disc_num_epochs: float | None, *, batch_size: int, minibatch_size: int,
                          num_epochs: int) -> int | None:
    """Discriminator minibatch steps per learner update: ``⌈disc_num_epochs × batch_size / minibatch_size⌉``,
    at most the policy's ``⌈num_epochs × batch_size / minibatch_size⌉``; ``None`` (no limit) when
    ``disc_num_epochs`` is ``None`` or not below ``num_epochs``. Sizes in env steps (rows)."""
    if disc_num_epochs is None or disc_num_epochs >= num_epochs:
        return None
    return max(1, math.ceil(disc_num_epochs * batch_size / minibatch_size))


@dataclass(frozen=True)
class Budget:
    """How long to train and how often to measure fidelity.

    Attributes:
        name: preset label.
        env_steps: stop after this many sampled env steps (lifetime).
        wall_time_s: stop after this much training wall time (s), whichever comes first.
        eval_every_iters: measure fidelity every N iterations (0 = only at the end).
        eval_rollouts: seeded rollouts per fidelity measurement.
        eval_duration_s: simulated seconds per evaluation rollout.
    """

    name: str
    env_steps: int
    wall_time_s: float
    eval_every_iters: int
    eval_rollouts: int
    eval_duration_s: float

    @classmethod
    def preset(cls, name: BudgetName) -> Budget:
        """``smoke`` (~1 min on 2 cores incl. Ray start), ``quick`` (~5 min), ``standard`` (~30 min)."""
        presets = {
            "smoke": cls("smoke", env_steps=8_000, wall_time_s=45.0, eval_every_iters=0,
                         eval_rollouts=1, eval_duration_s=4.0),
            "quick": cls("quick", env_steps=400_000, wall_time_s=300.0, eval_every_iters=10,
                         eval_rollouts=3, eval_duration_s=10.0),
            "standard": cls("standard", env_steps=3_000_000, wall_time_s=1800.0, eval_every_iters=25,
                            eval_rollouts=5, eval_duration_s=20.0),
        }
        if name not in presets:
            raise ValueError(f"unknown budget {name!r}; choose one of {sorted(presets)}")
        return presets[name]


@dataclass(frozen=True)
class SamplingDefaults:
    """EnvRunners and envs per EnvRunner of every training path (``rl-gait train``, the task training of
    ``rl-gait run``, ``experiments/train_atlas_policy.py``), chosen by measurement on 2 idle cores
    (``benchmarks/training_throughput.py --iters 8``, the pipelined iteration; docs/throughput.md): 2 runners × 8
    envs reached 0.56 (physics-only) / 0.49 (hybrid) of the bare env loop; 2 × 16 reached 0.66 / 0.54 (~15 % less
    EnvRunner CPU per step) but learned less per env step in the quick-budget curves on two recordings and two
    seeds (mean RMSE past 100 k steps 6.46° vs 5.86°, fall rate over 40 evaluations 0.042 vs 0.017), so it is
    not the default (``rl-gait train --envs-per-runner 16``)."""

    num_env_runners: int = 2
    num_envs_per_env_runner: int = 8


SAMPLING = SamplingDefaults()
