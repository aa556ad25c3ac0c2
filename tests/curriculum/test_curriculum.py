"""Curriculum: advances on a scripted success sequence, never skips, samples as configured."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rl_gait  # noqa: F401
from rl_gait.curriculum import FAMILIES, Curriculum, CurriculumConfig, default_levels, sample_task


def test_default_levels_rise_in_difficulty():
    lv = default_levels()
    assert set(lv) == set(FAMILIES) and all(len(v) == 5 for v in lv.values())
    for fam in ("slope_up", "stairs_up", "stairs_down"):
        rises = [abs(t.signed_rise) for t in lv[fam]]
        assert rises == sorted(rises) and len(set(rises)) == 5
    assert all(t.grade_deg < 0 for t in lv["slope_down"]) and all(not t.ascending for t in lv["stairs_down"])


def test_advances_on_scripted_successes_and_never_skips():
    cfg = CurriculumConfig(advance_threshold=0.8, window=10, min_episodes=5)
    cur = Curriculum(cfg)
    # 4 successes: not enough episodes yet
    assert not any(cur.record("stairs_up", 0, True) for _ in range(4))
    assert cur.levels["stairs_up"] == 0
    assert cur.record("stairs_up", 0, True)  # 5/5 = 100 % >= 80 %
    assert cur.levels["stairs_up"] == 1
    # a flood of successes reported for a higher level than the current one does not count (no skipping)
    for _ in range(50):
        cur.record("stairs_up", 3, True)
    assert cur.levels["stairs_up"] == 1
    # at level 1: 3 successes, 2 failures = 60 % (< 80 %): stays; then 7 more successes: 8/10 → advance
    for s in (True, False, True, False, True):
        assert not cur.record("stairs_up", 1, s)
    advanced = [cur.record("stairs_up", 1, True) for _ in range(7)]
    assert advanced.count(True) == 1 and cur.levels["stairs_up"] == 2
    # the other families did not move
    assert all(cur.levels[f] == 0 for f in FAMILIES if f != "stairs_up")


def test_top_level_is_final_and_batches_count_evenly():
    cfg = CurriculumConfig(advance_threshold=0.5, window=20, min_episodes=4)
    cur = Curriculum(cfg)
    for lvl in range(4):
        assert cur.record_many("level", lvl, episodes=10, successes=6)
    assert cur.levels["level"] == 4
    assert not cur.record_many("level", 4, episodes=10, successes=10)
    assert cur.levels["level"] == 4
    assert not cur.record_many("slope_up", 0, episodes=10, successes=4)  # 40 % < 50 %
    state = cur.state()
    again = Curriculum.from_state(cfg, state)
    assert again.levels == cur.levels and again.success_rate("slope_up") == pytest.approx(0.4)


def test_task_sampling_respects_the_distribution():
    weights = {"level": 4.0, "slope_up": 1.0, "slope_down": 1.0, "stairs_up": 2.0, "stairs_down": 0.0}
    cfg = CurriculumConfig(family_weights=weights, review_prob=0.25)
    rng = np.random.default_rng(0)
    levels = {"level": 0, "slope_up": 3, "slope_down": 0, "stairs_up": 2}
    draws = [sample_task(cfg, levels, rng) for _ in range(8000)]
    fams = [d[0] for d in draws]
    for fam, w in weights.items():
        assert fams.count(fam) / len(fams) == pytest.approx(w / 8.0, abs=0.02)
    slope_levels = np.array([d[1] for d in draws if d[0] == "slope_up"])
    assert slope_levels.max() == 3 and np.mean(slope_levels == 3) == pytest.approx(0.75, abs=0.04)
    assert all(d[2] == cfg.levels[d[0]][d[1]] for d in draws[:200])


def test_multitask_env_switches_tasks_and_reports_them():
    env = gym.make("rl_gait/MultiTaskWalk-v0")
    env.get_wrapper_attr("set_levels")({"stairs_down": 3})
    seen = {}
    for seed in range(40):
        _, info = env.reset(seed=seed)
        seen[info["task_family"]] = (info["task_level"], env.unwrapped.task)
        _, _, _, _, info = env.step(np.zeros(6, np.float32))
        assert "task_family" in info
    assert set(seen) == set(FAMILIES)
    lvl, task = seen["stairs_down"]
    assert lvl in (0, 1, 2, 3) and task.terrain == "stairs" and not task.ascending


def test_callback_counts_only_full_course_episodes():
    """Episodes started part way up a feature (spatial RSI) train the policy but are no evidence for
    the curriculum: on_episode_end logs only full-course ones."""
    from rl_gait.curriculum.callbacks import CurriculumCallback

    class Episode:
        def __init__(self, info):
            self._infos = [info]

        def get_infos(self):
            return self._infos

    class Logger:
        def __init__(self):
            self.values: dict[str, int] = {}

        def log_value(self, key, value, **kwargs):
            self.values[key] = self.values.get(key, 0) + value

    log = Logger()
    cb = CurriculumCallback()
    base = {"task_family": "stairs_up", "task_level": 1, "success": True}
    for full in (True, False, False, True):
        cb.on_episode_end(episode=Episode(base | {"full_course": full}), metrics_logger=log)
    assert log.values == {"curriculum|stairs_up|1|episodes": 2, "curriculum|stairs_up|1|successes": 2}


def test_a_task_with_a_reference_pool_draws_every_reference_and_weakens_its_paretic_side():
    """A tuple of references for a task: each episode tracks one of them (seeded: same seed, same
    draw); with weakness_range the weakened side is the drawn reference's paretic side."""
    from rl_gait.curriculum.env import make_multitask
    from rl_gait.reference.impaired import ImpairmentModel, impaired_reference
    from rl_gait.tasks import Task

    task = Task("level")
    pool = tuple(impaired_reference(ImpairmentModel(paretic_side=side, speed_m_s=v))
                 for side, v in (("left", 0.5), ("right", 0.6), ("left", 0.7)))
    cfg = CurriculumConfig(levels={"hemiparetic": (task,)}, family_weights={"hemiparetic": 1.0})
    env = make_multitask(cfg, {task.name: pool}, weakness_range=(0.5, 0.9))
    def which(ref):
        return next(i for i, r in enumerate(pool) if r is ref)

    drawn = []
    for seed in range(30):
        _, info = env.reset(seed=seed)
        ref = env.unwrapped.reference
        drawn.append(which(ref))
        assert info["weak_side"] == ref.paretic_side[0]
    assert set(drawn) == {0, 1, 2}
    env.reset(seed=4)
    assert which(env.unwrapped.reference) == drawn[4]
    with pytest.raises(ValueError, match="no reference"):
        make_multitask(cfg, {task.name: ()})
