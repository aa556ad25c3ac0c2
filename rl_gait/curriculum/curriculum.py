"""Task families, difficulty levels and the success-driven curriculum (pure Python, no Ray).

Five task families, five difficulty levels each (the paper's design): level walking at rising speed,
slopes up and down at rising grade, stairs up and down at rising step height. A family advances one
level when the success rate of the episodes at its current level (at least ``min_episodes`` of the
last ``window``) reaches ``advance_threshold``; it never skips a level and never goes back. A share
``review_prob`` of episodes replays a passed level: uniformly drawn, or with ``review_by_failure`` in
proportion to that level's recent failure rate (+ ``REVIEW_FLOOR``), so what is being forgotten is
replayed most (prioritized level replay, Jiang et al. 2021).
Success = the env's ``info["success"]``: the goal distance covered without a fall.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from rl_gait.tasks import TERRAIN_CLASSES, Task

FAMILIES: tuple[str, ...] = TERRAIN_CLASSES
MULTITASK_ENV_ID = "rl_gait/MultiTaskWalk-v0"
"""Gymnasium id of the multi-task env (:func:`rl_gait.curriculum.env.make_multitask`), registered by
``import rl_gait.curriculum``."""
REVIEW_FLOOR = 0.1
"""With ``review_by_failure``, a passed level's review weight is its recent failure rate + this, so a
mastered level is still replayed now and then (a level without recent episodes weighs 1 + this)."""


def default_levels(level_speeds_m_s: tuple[float | None, ...] = (None,) * 5) -> dict[str, tuple[Task, ...]]:
    """The default five levels per family (grades 2.5…12.5°, step heights 8…20 cm, depth 30 cm).

    ``level_speeds_m_s``: target speeds of the five level-walking levels (``None`` = the reference's own).
    """
    grades = (2.5, 5.0, 7.5, 10.0, 12.5)
    heights = (0.08, 0.12, 0.15, 0.17, 0.20)
    return {
        "level": tuple(Task("level", speed_m_s=v) for v in level_speeds_m_s),
        "slope_up": tuple(Task("slope", grade_deg=g) for g in grades),
        "slope_down": tuple(Task("slope", grade_deg=-g) for g in grades),
        "stairs_up": tuple(Task("stairs", step_height_m=h, step_depth_m=0.30, ascending=True) for h in heights),
        "stairs_down": tuple(Task("stairs", step_height_m=h, step_depth_m=0.30, ascending=False) for h in heights),
    }


@dataclass(frozen=True)
class CurriculumConfig:
    """Which tasks, how often, and when to advance.

    Attributes:
        levels: family → its difficulty levels, easiest first.
        family_weights: family → sampling probability (normalised).
        advance_threshold: success rate at the current level needed to advance (0–1).
        window: number of most recent episodes at the current level that count.
        min_episodes: episodes at the current level needed before advancing.
        review_prob: probability that an episode replays an easier, already passed level.
        review_by_failure: draw the replayed level by its recent failure rate (:meth:`Curriculum.review_weights`)
            rather than uniformly.
    """

    levels: dict[str, tuple[Task, ...]] = field(default_factory=default_levels)
    family_weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FAMILIES, 1.0))
    advance_threshold: float = 0.8
    window: int = 20
    min_episodes: int = 10
    review_prob: float = 0.2
    review_by_failure: bool = False

    def __post_init__(self) -> None:
        if set(self.family_weights) - set(self.levels):
            raise ValueError("family_weights names a family without levels")
        if not 0 < self.advance_threshold <= 1 or self.min_episodes > self.window:
            raise ValueError("need 0 < advance_threshold <= 1 and min_episodes <= window")
        if any(w < 0 for w in self.family_weights.values()) or sum(self.family_weights.values()) <= 0:
            raise ValueError("family_weights must be >= 0 with a positive sum")

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(f for f in self.levels if self.family_weights.get(f, 0.0) > 0)

    def all_tasks(self) -> list[Task]:
        return [t for f in self.families for t in self.levels[f]]


class Curriculum:
    """Per-family current level, advanced from episode outcomes (state is JSON-serialisable)."""

    def __init__(self, config: CurriculumConfig, levels: dict[str, int] | None = None):
        self.config = config
        self.levels = {f: 0 for f in config.families} | dict(levels or {})
        self._recent = {f: deque(maxlen=config.window) for f in config.families}
        self._passed: dict[str, dict[int, deque]] = {f: {} for f in config.families}  # review outcomes

    def record(self, family: str, level: int, success: bool) -> bool:
        """Count one finished episode; returns ``True`` if ``family`` advanced a level.

        Only episodes at the family's current level count for advancing; those at a passed level (reviews)
        go to its review record (:meth:`review_weights`); higher levels (stale runners) are ignored.
        """
        return self.record_many(family, level, 1, int(bool(success)))

    def record_many(self, family: str, level: int, episodes: int, successes: int) -> bool:
        """Count a batch of ``episodes`` outcomes with ``successes`` among them (one iteration's worth),
        spread evenly in time; advancement is checked once, after the batch. Returns ``True`` if advanced."""
        if family not in self._recent or level > self.levels[family] or episodes <= 0:  # untrained: ignored
            return False
        outcomes = (bool((i + 1) * successes // episodes - i * successes // episodes) for i in range(episodes))
        if level < self.levels[family]:
            self._passed[family].setdefault(level, deque(maxlen=self.config.window)).extend(outcomes)
            return False
        self._recent[family].extend(outcomes)
        return self._maybe_advance(family)

    def review_weights(self) -> dict[str, list[float]]:
        """Per family, the unnormalised weights of its passed levels 0..current−1 for a review: recent
        failure rate (last ``window`` review episodes; 1 without any) + ``REVIEW_FLOOR``."""
        out = {}
        for f, cur in self.levels.items():
            if f in self._passed:
                rec = [self._passed[f].get(lvl) for lvl in range(cur)]
                out[f] = [(1.0 - float(np.mean(r)) if r else 1.0) + REVIEW_FLOOR for r in rec]
        return out

    def _maybe_advance(self, family: str) -> bool:
        recent = self._recent[family]
        top = len(self.config.levels[family]) - 1
        if (self.levels[family] < top and len(recent) >= self.config.min_episodes
                and np.mean(recent) >= self.config.advance_threshold):
            self._passed[family][self.levels[family]] = deque(recent, maxlen=self.config.window)  # review evidence
            self.levels[family] += 1
            recent.clear()
            return True
        return False

    def success_rate(self, family: str) -> float:
        r = self._recent[family]
        return float(np.mean(r)) if r else float("nan")

    def state(self) -> dict:
        return {"levels": dict(self.levels), "recent": {f: [bool(x) for x in d] for f, d in self._recent.items()},
                "passed": {f: {str(lvl): [bool(x) for x in d] for lvl, d in p.items()} for f, p in self._passed.items()}}

    @classmethod
    def from_state(cls, config: CurriculumConfig, state: dict) -> Curriculum:
        c = cls(config, state.get("levels"))
        for f, xs in state.get("recent", {}).items():
            if f in c._recent:
                c._recent[f].extend(xs)
        for f, per_level in state.get("passed", {}).items():
            if f in c._passed:
                for lvl, xs in per_level.items():
                    c._passed[f].setdefault(int(lvl), deque(maxlen=config.window)).extend(xs)
        return c


def sample_task(config: CurriculumConfig, levels: dict[str, int], rng: np.random.Generator,
                review_weights: dict[str, list[float]] | None = None) -> tuple[str, int, Task]:
    """Draw (family, level, task): family by ``family_weights``; the family's current level, or with
    ``review_prob`` an easier level: drawn by ``review_weights[family]`` (one weight per passed level,
    :meth:`Curriculum.review_weights`) where given for all of them, else uniformly."""
    fams = config.families
    w = np.array([config.family_weights[f] for f in fams], dtype=np.float64)
    fam = fams[int(rng.choice(len(fams), p=w / w.sum()))]
    cur = int(levels.get(fam, 0))
    level = cur
    if cur > 0 and rng.random() < config.review_prob:
        rw = np.asarray((review_weights or {}).get(fam, ()), dtype=np.float64)
        if len(rw) >= cur and rw[:cur].sum() > 0:
            level = int(rng.choice(cur, p=rw[:cur] / rw[:cur].sum()))
        else:
            level = int(rng.integers(0, cur))
    return fam, level, config.levels[fam][level]
