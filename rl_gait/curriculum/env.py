"""``MultiTaskWalk``: one WalkEnv that draws its task per episode from a curriculum.

Each reset samples (family, level, task) with :func:`sample_task` from the env's own seeded generator
and switches the WalkEnv's terrain and reference in place (references are precomputed per task:
the patient's own, or the healthy atlas's). A task may have a pool of references (a tuple, e.g. several
hemiparetic gaits for a population prior, or a staircase's step-over-step and step-to references): one is drawn per
episode from the same generator; a step-to reference gets the episode length stretched as its predictions do
(:func:`rl_gait.reference.step_to.strategy_duration_s`: the same course in as many gait cycles as the pool's first,
step-over-step, reference). The driver moves the curriculum on; it pushes the new
levels into every env with :meth:`MultiTaskWalk.set_levels` (see :mod:`rl_gait.curriculum.callbacks`).
``info`` carries ``task_family`` and ``task_level`` so episode outcomes can be attributed.
With ``weakness_families`` (and a WalkEnv with ``weakness_range``) only episodes of those families run on
a weakened body; the others get the body whole (e.g. weakness on level / hemiparetic walking, stairs
learnt on the whole body first).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import gymnasium as gym
import numpy as np

from rl_gait.curriculum.curriculum import MULTITASK_ENV_ID, CurriculumConfig, sample_task
from rl_gait.envs.config import WalkEnvConfig, env_config
from rl_gait.reference.motion import ReferenceMotion
from rl_gait.reference.step_to import strategy_duration_s

References = dict[str, ReferenceMotion | tuple[ReferenceMotion, ...]]


@dataclass(frozen=True)
class MultiTaskEnvConfig:
    """Everything ``rl_gait/MultiTaskWalk-v0`` is made of: the walking env's config (body, PD, rewards, options;
    its task and reference are the curriculum's first task's at construction, then drawn per episode), the
    curriculum, a reference (or a pool) per task (default: the healthy atlas's), the starting levels and the
    families whose episodes are weakened (``None``: all, with ``walk.weakness_range``)."""

    walk: WalkEnvConfig = field(default_factory=WalkEnvConfig)
    curriculum: CurriculumConfig = field(default_factory=CurriculumConfig)
    references: References | None = None
    levels: dict[str, int] | None = None
    weakness_families: tuple[str, ...] | None = None

    @property
    def env_id(self) -> str:
        return MULTITASK_ENV_ID


class MultiTaskWalk(gym.Wrapper):
    """Curriculum task sampling around a :class:`~rl_gait.envs.walk.WalkEnv` (same spaces)."""

    def __init__(self, env: gym.Env, curriculum: CurriculumConfig,
                 references: dict[str, ReferenceMotion | tuple[ReferenceMotion, ...]], levels: dict[str, int] | None = None,
                 weakness_families: tuple[str, ...] | None = None):
        super().__init__(env)
        unknown = sorted(set(weakness_families or ()) - set(curriculum.families))
        if unknown:
            raise ValueError(f"weakness_families {unknown} are not curriculum families {list(curriculum.families)}")
        missing = [t.name for t in curriculum.all_tasks() if not reference_pool(references.get(t.name, ()))]
        if missing:
            raise ValueError(f"no reference for tasks {missing}")
        self.curriculum = curriculum
        self.references = {k: reference_pool(v) for k, v in references.items()}
        self.levels = {f: 0 for f in curriculum.families} | dict(levels or {})
        self.weakness_families = None if weakness_families is None else tuple(weakness_families)
        self.review_weights: dict[str, list[float]] | None = None
        self._rng = np.random.default_rng(0)
        self.family, self.level = "level", 0
        self._duration_s = float(self.env.unwrapped.episode_duration_s)

    def set_levels(self, levels: dict[str, int], review_weights: dict[str, list[float]] | None = None) -> None:
        """The driver's curriculum levels, and (``review_by_failure``) its review weights per passed level."""
        self.levels.update({f: int(v) for f, v in levels.items() if f in self.levels})
        if review_weights is not None:
            self.review_weights = {f: [float(x) for x in w] for f, w in review_weights.items()}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        options = dict(options or {})
        duration = self._duration_s
        if "task" not in options:
            self.family, self.level, task = sample_task(self.curriculum, self.levels, self._rng, self.review_weights)
            options["task"] = task
            pool = self.references[task.name]  # a pool of one draws nothing: single-reference streams unchanged
            ref = options["reference"] = pool[int(self._rng.integers(len(pool)))] if len(pool) > 1 else pool[0]
            if ref.stair_strategy == "step_to":
                duration = strategy_duration_s(self._duration_s, pool[0].speed_m_s, ref.speed_m_s)
        self.env.unwrapped.episode_duration_s = duration
        if self.weakness_families is not None:
            options.setdefault("weaken", self.family in self.weakness_families)
        obs, info = self.env.reset(seed=seed, options=options)
        info.update(task_family=self.family, task_level=self.level)
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        info.update(task_family=self.family, task_level=self.level)
        return obs, reward, terminated, truncated, info


def reference_pool(refs: ReferenceMotion | tuple[ReferenceMotion, ...]) -> tuple[ReferenceMotion, ...]:
    """A task's references as a tuple (one reference → a pool of one)."""
    return refs if isinstance(refs, tuple) else (refs,)


def task_references(curriculum: CurriculumConfig, reference_for_task) -> dict[str, ReferenceMotion]:
    """``{task.name: reference_for_task(task)}`` for every task of the curriculum."""
    return {t.name: reference_for_task(t) for t in curriculum.all_tasks()}


def make_multitask(config: MultiTaskEnvConfig | None = None, **fields: Any) -> MultiTaskWalk:
    """Factory of ``rl_gait/MultiTaskWalk-v0``: one :class:`MultiTaskEnvConfig`, or its fields as keywords
    (``curriculum``, ``references``, ``levels``, ``weakness_families``, ``walk``) plus WalkEnvConfig fields, which
    replace those of ``walk`` (``body_model`` too: :func:`rl_gait.envs.registration.make_walk_env`). References
    default to the healthy atlas per task."""
    from rl_gait.envs.registration import make_walk_env
    from rl_gait.reference import healthy_reference

    own = {k: fields.pop(k) for k in ("walk", "curriculum", "references", "levels", "weakness_families") if k in fields}
    config = MultiTaskEnvConfig(**own) if config is None else (replace(config, **own) if own else config)
    curriculum = config.curriculum
    references = config.references
    if references is None:
        references = task_references(curriculum, lambda t: healthy_reference(t))
    first = curriculum.levels[curriculum.families[0]][0]
    pool = reference_pool(references.get(first.name, ()))
    walk = env_config(config.walk, **fields).replace(task=first, reference=pool[0] if pool else None)
    return MultiTaskWalk(make_walk_env(walk), curriculum, references, config.levels, config.weakness_families)
