"""RLlib glue of the curriculum: count episode outcomes on the EnvRunners, advance on the driver.

``on_episode_end`` (on every EnvRunner, local or remote) logs, per (family, level), the number of
finished full-course episodes (started on the approach, ``info["full_course"]``; episodes started part
way up a feature are training experience, not evidence) and of successes, summed per iteration.
``on_train_result`` (driver) feeds them to the :class:`Curriculum` and pushes the new levels into every env of every EnvRunner, so it works with
any number of remote runners. The per-(family, level) success rates of the iteration are added to the
result under ``curriculum``.

Which episodes are the evidence (``evidence``): ``"training"`` — the sampled episodes, with the
policy's exploration noise; ``"evaluation"`` — the deterministic episodes of RLlib's evaluation
EnvRunners (``config.evaluation(..., evaluation_config={"explore": False})``, see
:func:`rl_gait.curriculum.training.multitask_config`): what the policy does when it is used for
predictions. Measured on the shipped atlas policy: 4 cm stairs up 6/6 deterministic, 0/6 with its
exploration noise (healthy body) — training episodes alone never let the stairs families advance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ray.rllib.callbacks.callbacks import RLlibCallback

from rl_gait.curriculum.curriculum import Curriculum, CurriculumConfig

_PREFIX = "curriculum"


def _key(family: str, level: int, what: str) -> str:
    return f"{_PREFIX}|{family}|{level}|{what}"


def push_levels(algorithm: Any, curriculum: Curriculum) -> None:
    """Set the curriculum levels (and with ``review_by_failure`` the review weights) of all envs on all
    EnvRunners (local included), evaluation ones too."""
    levels = dict(curriculum.levels)
    weights = curriculum.review_weights() if curriculum.config.review_by_failure else None

    def _set(runner) -> None:
        env = getattr(runner, "env", None)
        if env is not None:
            env.unwrapped.call("set_levels", levels, weights)  # the base VectorEnv below RLlib's wrappers

    for group in (algorithm.env_runner_group, getattr(algorithm, "eval_env_runner_group", None)):
        if group is not None:
            group.foreach_env_runner(_set, local_env_runner=True)


class CurriculumCallback(RLlibCallback):
    """Drive a :class:`Curriculum` from RLlib. Create it with :func:`curriculum_callback`."""

    curriculum: Curriculum | None = None  # set on the driver by curriculum_callback()
    evidence: str = "training"  # or "evaluation": which episodes advance the curriculum
    _evaluation: dict | None = None  # counts of the evaluation that ran in this iteration, if one did

    def on_episode_end(self, *, episode, metrics_logger=None, env=None, env_index=None, **kwargs) -> None:
        infos = episode.get_infos()
        last = infos[-1] if infos else {}
        if "task_family" not in last or metrics_logger is None or not last.get("full_course", True):
            return
        fam, lvl = last["task_family"], int(last["task_level"])
        # reduce="sum": summed per iteration (RLlib 2.60; "lifetime_sum" would accumulate)
        metrics_logger.log_value(_key(fam, lvl, "episodes"), 1, reduce="sum")
        metrics_logger.log_value(_key(fam, lvl, "successes"), int(bool(last.get("success", False))), reduce="sum")

    def on_evaluate_end(self, *, algorithm, metrics_logger=None, evaluation_metrics: dict, **kwargs) -> None:
        """Driver, after each evaluation: with ``evidence="evaluation"`` its episodes advance the curriculum
        (RLlib repeats the last evaluation's results in later iterations' ``result``, so they are read
        here, once, not in ``on_train_result``)."""
        self._evaluation = episode_counts(evaluation_metrics.get("env_runners", {}))
        if self.evidence == "evaluation":
            self._advance(algorithm, self._evaluation)

    def on_train_result(self, *, algorithm, metrics_logger=None, result: dict, **kwargs) -> None:
        cur = type(self).curriculum
        if cur is None:
            return
        training = episode_counts(result.get("env_runners", {}))
        if self.evidence == "training":
            self._advance(algorithm, training)
        result["curriculum"] = {"levels": dict(cur.levels), "evidence": self.evidence,
                                "success_rate_iteration": success_rates(training)}
        evaluation, self._evaluation = self._evaluation, None  # reported once, in the iteration that evaluated
        if evaluation is not None:
            result["curriculum"]["success_rate_evaluation"] = success_rates(evaluation)
            result["curriculum"]["episodes_evaluation"] = {f"{f}/L{lvl}": n for (f, lvl), (n, _) in evaluation.items()}

    def _advance(self, algorithm, counts: dict[tuple[str, int], list[int]]) -> None:
        cur = type(self).curriculum
        if cur is None:
            return
        changed = False
        for (fam, lvl), (n, s) in sorted(counts.items()):
            changed |= cur.record_many(fam, lvl, n, s)
        if changed or cur.config.review_by_failure:  # review weights move with every batch of outcomes
            push_levels(algorithm, cur)


def episode_counts(metrics: dict) -> dict[tuple[str, int], list[int]]:
    """``{(family, level): [episodes, successes]}`` from an EnvRunner results dict's curriculum keys."""
    counts: dict[tuple[str, int], list[int]] = {}
    for k, v in metrics.items():
        if isinstance(k, str) and k.startswith(_PREFIX + "|") and np.isfinite(v):
            _, fam, lvl, what = k.split("|")
            counts.setdefault((fam, int(lvl)), [0, 0])[0 if what == "episodes" else 1] += int(v)
    return counts


def success_rates(counts: dict[tuple[str, int], list[int]]) -> dict[str, float]:
    """``{"family/L<level>": successes / episodes}`` (NaN where no episode finished)."""
    return {f"{f}/L{lvl}": (s / n if n else float("nan")) for (f, lvl), (n, s) in counts.items()}


EVIDENCE = ("training", "evaluation")


def curriculum_callback(config: CurriculumConfig, state: dict | None = None,
                        evidence: str = "training") -> tuple[type[CurriculumCallback], Curriculum]:
    """A callback class bound to a fresh (or restored) driver-side :class:`Curriculum`; ``evidence``:
    which episodes advance it (``"training"`` or ``"evaluation"``, see the module docstring)."""
    if evidence not in EVIDENCE:
        raise ValueError(f"curriculum evidence must be one of {EVIDENCE}, got {evidence!r}")
    cur = Curriculum.from_state(config, state) if state else Curriculum(config)
    cls = type("BoundCurriculumCallback", (CurriculumCallback,), {"curriculum": cur, "evidence": evidence})
    return cls, cur
