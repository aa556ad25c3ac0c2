"""One builder for goal-conditioned multi-task training, used by the atlas policy and by patients.

:func:`multitask_config` returns the learner config (``rl_gait.learner.build_config`` on
``rl_gait/MultiTaskWalk-v0``) with the curriculum callback bound to a driver-side
:class:`~rl_gait.curriculum.Curriculum`. The tracking target of every task is the given reference
for that task: the healthy atlas's (atlas policy) or the patient's own (``reference_for(trial, task)``).
Demonstrations cover every task of the curriculum. Patients start from a warm start (the atlas or
their personalized level-walking policy) with their personalized PD body.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from rl_gait.curriculum.curriculum import MULTITASK_ENV_ID, Curriculum
from rl_gait.curriculum.env import MultiTaskEnvConfig

__all__ = ["MULTITASK_ENV_ID", "multitask_config"]


def multitask_config(
    *,
    env: MultiTaskEnvConfig,
    out_dir: str | Path,
    mode: str = "hybrid",
    imitation: Any = None,
    lr: float = 3e-4,
    warm_start: str | Path | None = None,
    curriculum_state: dict | None = None,
    seed: int = 0,
    demos_per_task: int = 256,
    advance_on: str = "training",
    evaluation_interval: int = 5,
    evaluation_steps: int = 4000,
    **learner_kwargs: Any,
) -> tuple[Any, Curriculum]:
    """Config for multi-task training and its driver-side curriculum.

    Args:
        env: the multi-task env: its walking env's config (the personalized body, PD, reward weights and every
            option of :class:`~rl_gait.envs.config.WalkEnvConfig`; demonstrations are made with its body, PD,
            trunk pitch and stair fit), the curriculum, ``references`` (``{task.name: ReferenceMotion}`` for
            every task of the curriculum, or a tuple: a pool drawn from per episode; demonstrations cover every
            reference of the pool) and ``weakness_families``. Its ``levels`` are replaced by the curriculum's.
        out_dir: where the multi-task demonstrations are written (``demonstrations-<hash>.npz``, the hash of
            the tasks, references, body and settings they are made of).
        mode, imitation, lr, warm_start, seed, **learner_kwargs: as :func:`rl_gait.learner.build_config`.
        curriculum_state: a saved :meth:`Curriculum.state` to resume from.
        advance_on: ``"training"`` (the sampled episodes advance the curriculum) or ``"evaluation"``:
            every ``evaluation_interval`` iterations RLlib's evaluation EnvRunner (local, ``explore``
            off, same env and curriculum levels) steps its envs ``evaluation_steps`` times, deterministic,
            and only the episodes that finish there advance it (:mod:`rl_gait.curriculum.callbacks`).
            Counted in steps, not episodes: RLlib re-seeds the envs for an episode count, so every
            evaluation would replay the same episodes; in steps they continue from one evaluation to
            the next and each draws a new task and start.
    """
    from rl_gait.curriculum.callbacks import curriculum_callback
    from rl_gait.curriculum.env import reference_pool
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.envs.demonstrations import make_task_demonstrations
    from rl_gait.envs.registration import make_walk_env, observation_dim
    from rl_gait.envs.walk import HEIGHT_SAMPLES_X_M
    from rl_gait.learner import build_config

    if env.references is None:
        raise ValueError("multitask_config needs a reference (or a pool) per task: env.references")
    walk, curriculum, references = env.walk, env.curriculum, env.references
    cb_cls, cur = curriculum_callback(curriculum, curriculum_state, evidence=advance_on)
    demos = None
    if mode == "hybrid":
        tasks = [(t, r) for t in curriculum.all_tasks() for r in reference_pool(references[t.name])]
        # named by what they are made of: a resumed run with other tasks, references or body makes new ones
        key = repr(([(t, r.source, r.cycle_duration_s) for t, r in tasks], walk.body, walk.pd, demos_per_task, seed,
                    HEIGHT_SAMPLES_X_M.tolist()))  # they hold observations: their layout too
        key += "" if walk.trunk_pitch == "upright" else f", trunk pitch {walk.trunk_pitch}"  # upright: as before
        key += ", stairs fitted to the treads" if walk.stair_fit else ""
        key += "" if walk.body_model == "planar" else f", {walk.body_model} body, {observation_dim(walk.body_model)} observations"
        demos = Path(out_dir) / f"demonstrations-{hashlib.sha256(key.encode()).hexdigest()[:12]}.npz"
        if not demos.exists():  # made of what the key names only
            demo_env = make_walk_env(WalkEnvConfig(reference=tasks[0][1], body=walk.body, pd=walk.pd,
                                                   trunk_pitch=walk.trunk_pitch, stair_fit=walk.stair_fit,
                                                   body_model=walk.body_model, lumbar_locked=walk.lumbar_locked))
            make_task_demonstrations(demo_env, tasks, n_per_task=demos_per_task, seed=seed).save(demos)
    env = replace(env, levels=dict(cur.levels))
    config = build_config(mode=mode, env=env, imitation=imitation, lr=lr, seed=seed, demos=demos,
                          warm_start=warm_start, **learner_kwargs)
    config.callbacks(cb_cls)
    if advance_on == "evaluation":
        config.evaluation(evaluation_interval=int(evaluation_interval), evaluation_duration=int(evaluation_steps),
                          evaluation_duration_unit="timesteps", evaluation_num_env_runners=0,
                          evaluation_config={"explore": False})
    return config, cur
