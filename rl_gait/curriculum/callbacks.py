"""RLlib glue of the curriculum: count episode outcomes on the EnvRunners, advance on the driver.

``on_episode_end`` (on every EnvRunner, local or remote) logs, per (family, level), the number of
finished full-course episodes (started on the approach, ``info["full_course"]``; episodes started part
way up a feature are training experience, not evidence) and of successes, summed per iteration.
``on_train_result`` (driver) feeds them to the :class:`Curriculum` and pushes the new levels into every env of every EnvRunner, so it works with
any number of remote runners. The per-(family, level) success rates of the iteration are added to the
result under ``curriculum``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ray.rllib.callbacks.callbacks import RLlibCallback

from rl_gait.curriculum.curriculum import Curriculum, CurriculumConfig

_PREFIX = "curriculum"


def _key(family: str, level: int, what: str) -> str:
    return f"{_PREFIX}|{family}|{level}|{what}"


def push_levels(algorithm: Any, levels: dict[str, int]) -> None:
    """Set the curriculum levels of all envs on all EnvRunners (local included)."""
    levels = dict(levels)

    def _set(runner) -> None:
        env = getattr(runner, "env", None)
        if env is not None:
            env.unwrapped.call("set_levels", levels)  # the base VectorEnv below RLlib's wrappers

    algorithm.env_runner_group.foreach_env_runner(_set, local_env_runner=True)


class CurriculumCallback(RLlibCallback):
    """Drive a :class:`Curriculum` from RLlib. Create it with :func:`curriculum_callback`."""

    curriculum: Curriculum | None = None  # set on the driver by curriculum_callback()

    def on_episode_end(self, *, episode, metrics_logger=None, env=None, env_index=None, **kwargs) -> None:
        infos = episode.get_infos()
        last = infos[-1] if infos else {}
        if "task_family" not in last or metrics_logger is None or not last.get("full_course", True):
            return
        fam, lvl = last["task_family"], int(last["task_level"])
        metrics_logger.log_value(_key(fam, lvl, "episodes"), 1, reduce="sum", clear_on_reduce=True)
        metrics_logger.log_value(_key(fam, lvl, "successes"), int(bool(last.get("success", False))),
                                 reduce="sum", clear_on_reduce=True)

    def on_train_result(self, *, algorithm, metrics_logger=None, result: dict, **kwargs) -> None:
        cur = type(self).curriculum
        if cur is None:
            return
        counts: dict[tuple[str, int], list[int]] = {}
        for k, v in result.get("env_runners", {}).items():
            if isinstance(k, str) and k.startswith(_PREFIX + "|") and np.isfinite(v):
                _, fam, lvl, what = k.split("|")
                counts.setdefault((fam, int(lvl)), [0, 0])[0 if what == "episodes" else 1] += int(v)
        changed = False
        for (fam, lvl), (n, s) in sorted(counts.items()):
            changed |= cur.record_many(fam, lvl, n, s)
        result["curriculum"] = {
            "levels": dict(cur.levels),
            "success_rate_iteration": {f"{f}/L{lvl}": (s / n if n else float("nan")) for (f, lvl), (n, s) in counts.items()},
        }
        if changed:
            push_levels(algorithm, cur.levels)


def curriculum_callback(config: CurriculumConfig, state: dict | None = None) -> tuple[type[CurriculumCallback], Curriculum]:
    """A callback class bound to a fresh (or restored) driver-side :class:`Curriculum`."""
    cur = Curriculum.from_state(config, state) if state else Curriculum(config)
    cls = type("BoundCurriculumCallback", (CurriculumCallback,), {"curriculum": cur})
    return cls, cur
