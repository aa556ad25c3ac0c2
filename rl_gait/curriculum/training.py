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
from pathlib import Path
from typing import Any

from rl_gait.curriculum.curriculum import Curriculum, CurriculumConfig
from rl_gait.reference.motion import ReferenceMotion

MULTITASK_ENV_ID = "rl_gait/MultiTaskWalk-v0"


def multitask_config(
    *,
    curriculum: CurriculumConfig,
    references: dict[str, ReferenceMotion | tuple[ReferenceMotion, ...]],
    out_dir: str | Path,
    mode: str = "hybrid",
    body: Any = None,
    pd: Any = None,
    reward_weights: Any = None,
    imitation: Any = None,
    lr: float = 3e-4,
    warm_start: str | Path | None = None,
    curriculum_state: dict | None = None,
    seed: int = 0,
    demos_per_task: int = 256,
    feature_start_prob: float = 0.0,
    max_lag_m: float | None = None,
    max_retreat_m: float | None = None,
    weakness_range: tuple[float, float] | None = None,
    weakness_families: tuple[str, ...] | None = None,
    trunk_pitch: str = "upright",
    stair_fit: bool = True,
    level_approach: bool = True,
    advance_on: str = "training",
    evaluation_interval: int = 5,
    evaluation_steps: int = 4000,
    **learner_kwargs: Any,
) -> tuple[Any, Curriculum]:
    """Config for multi-task training and its driver-side curriculum.

    Args:
        curriculum: families, levels and advancement rule.
        references: ``{task.name: ReferenceMotion}`` for every task of ``curriculum`` (or a tuple: a pool
            drawn from per episode; demonstrations cover every reference of the pool).
        out_dir: where the multi-task demonstrations are written (``demonstrations-<hash>.npz``, the hash of
            the tasks, references, body and settings they are made of).
        mode, imitation, lr, warm_start, seed, **learner_kwargs: as :func:`rl_gait.learner.build_config`.
        body, pd: the personalized body (default: healthy defaults).
        reward_weights: the env's :class:`~rl_gait.envs.rewards.RewardWeights` (default: the env's).
        curriculum_state: a saved :meth:`Curriculum.state` to resume from.
        feature_start_prob: share of slope / stair episodes started part way along the feature
            (spatial RSI, :class:`~rl_gait.envs.walk.WalkEnv`); they train but do not count for the
            curriculum, which sees only full-course episodes.
        max_lag_m: end an episode when the walker is this far behind its target speed's schedule
            (:class:`~rl_gait.envs.walk.WalkEnv`); ``None`` = only falls end episodes.
        max_retreat_m: end an episode when the walker is this far behind the farthest point it reached
            (walking back down the stairs it climbed); ``None`` = never.
        weakness_range: ``(lo, hi)``: each episode weakens a random side's PD gains and torque limits by a
            factor drawn in that range (:class:`~rl_gait.envs.walk.WalkEnv`); ``None`` = the body as given.
        weakness_families: the families whose episodes are weakened (``None``: all of them).
        trunk_pitch: the trunk pitch the envs ask for, ``"upright"`` or ``"reference"``
            (:class:`~rl_gait.envs.walk.WalkEnv`, :mod:`rl_gait.envs.trunk_pitch`); demonstrations too.
        stair_fit: stair references fitted to the treads of the body (``WalkEnv(stair_fit=)``,
            :mod:`rl_gait.envs.stair_fit`); demonstrations too.
        level_approach: walk the level approach of slopes and stairs with the reference's level gait
            (``WalkEnv(level_approach=)``); demonstrations are of the task references either way.
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
    from rl_gait.envs.demonstrations import make_task_demonstrations
    from rl_gait.envs.walk import HEIGHT_SAMPLES_X_M, WalkEnv
    from rl_gait.learner import build_config

    body_kw = {k: v for k, v in (("body", body), ("pd", pd)) if v is not None}
    reward_kw = {"reward_weights": reward_weights} if reward_weights is not None else {}
    cb_cls, cur = curriculum_callback(curriculum, curriculum_state, evidence=advance_on)
    demos = None
    if mode == "hybrid":
        tasks = [(t, r) for t in curriculum.all_tasks() for r in reference_pool(references[t.name])]
        # named by what they are made of: a resumed run with other tasks, references or body makes new ones
        key = repr(([(t, r.source, r.cycle_duration_s) for t, r in tasks], body, pd, demos_per_task, seed,
                    HEIGHT_SAMPLES_X_M.tolist()))  # they hold observations: their layout too
        key += "" if trunk_pitch == "upright" else f", trunk pitch {trunk_pitch}"  # upright: the names of before
        key += ", stairs fitted to the treads" if stair_fit else ""
        demos = Path(out_dir) / f"demonstrations-{hashlib.sha256(key.encode()).hexdigest()[:12]}.npz"
        if not demos.exists():
            env = WalkEnv(**body_kw, reference=tasks[0][1], trunk_pitch=trunk_pitch, stair_fit=stair_fit)
            make_task_demonstrations(env, tasks, n_per_task=demos_per_task, seed=seed).save(demos)
    env_kwargs = {"curriculum": curriculum, "references": references, "levels": dict(cur.levels),
                  "feature_start_prob": feature_start_prob, "max_lag_m": max_lag_m,
                  "max_retreat_m": max_retreat_m,
                  "weakness_range": weakness_range, "weakness_families": weakness_families, "trunk_pitch": trunk_pitch,
                  "stair_fit": stair_fit, "level_approach": level_approach, **body_kw,
                  **reward_kw}
    config = build_config(mode=mode, env_kwargs=env_kwargs, env_id=MULTITASK_ENV_ID, imitation=imitation, lr=lr,
                          seed=seed, demos=demos, warm_start=warm_start, **learner_kwargs)
    config.callbacks(cb_cls)
    if advance_on == "evaluation":
        config.evaluation(evaluation_interval=int(evaluation_interval), evaluation_duration=int(evaluation_steps),
                          evaluation_duration_unit="timesteps", evaluation_num_env_runners=0,
                          evaluation_config={"explore": False})
    return config, cur
