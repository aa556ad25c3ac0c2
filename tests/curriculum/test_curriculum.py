"""Curriculum: advances on a scripted success sequence, never skips, samples as configured."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import rl_gait  # noqa: F401
from rl_gait.curriculum import FAMILIES, Curriculum, CurriculumConfig, default_levels, sample_task
from rl_gait.curriculum.curriculum import REVIEW_FLOOR


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


def test_a_family_this_stretch_does_not_train_keeps_its_level_and_ignores_outcomes():
    """Resumed with a family at weight 0 (a stretch that leaves stairs down to the anchor): the level it
    reached stays in the state for the next stretch, and stray outcomes for it (an evaluation episode
    still on that task) neither count nor fail."""
    weights = dict.fromkeys(FAMILIES, 1.0) | {"stairs_down": 0.0}
    cfg = CurriculumConfig(family_weights=weights, advance_threshold=0.5, window=10, min_episodes=2)
    cur = Curriculum.from_state(cfg, {"levels": {"stairs_down": 2, "level": 1}, "passed": {"stairs_down": {"0": [True]}}})
    assert not cur.record_many("stairs_down", 1, episodes=4, successes=1)
    assert not cur.record_many("stairs_down", 2, episodes=4, successes=4)
    assert cur.levels["stairs_down"] == 2 and cur.state()["levels"]["stairs_down"] == 2
    assert "stairs_down" not in cur.review_weights()
    assert cur.record_many("level", 1, episodes=2, successes=2) and cur.levels["level"] == 2


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


def test_review_weights_follow_the_failure_rate_of_each_passed_level():
    """Review episodes at passed levels are recorded per level (they never advance the family); the review
    weight of a level is its failure rate over the last ``window`` reviews + REVIEW_FLOOR, 1 + floor
    without reviews; the weights survive state() / from_state()."""
    cfg = CurriculumConfig(min_episodes=2, window=4, review_by_failure=True)
    cur = Curriculum(cfg, {"stairs_up": 3})
    assert cur.record_many("stairs_up", 0, 4, 1) is False  # 8 cm: 1 of 4 reviews climbed
    assert cur.record("stairs_up", 1, True) is False  # 12 cm: 1 of 1
    assert cur.record_many("stairs_up", 4, 4, 4) is False and cur.levels["stairs_up"] == 3  # stale runner
    w = cur.review_weights()["stairs_up"]
    assert w == pytest.approx([0.75 + REVIEW_FLOOR, 0.0 + REVIEW_FLOOR, 1.0 + REVIEW_FLOOR])
    assert cur.review_weights()["level"] == []
    cur.record_many("level", 0, 4, 4)  # passing a level: its last window of episodes starts its review record
    assert cur.levels["level"] == 1 and cur.review_weights()["level"] == pytest.approx([REVIEW_FLOOR])
    cur.record_many("stairs_up", 0, 4, 4)  # the window (4) now holds only the last four: all climbed
    assert cur.review_weights()["stairs_up"][0] == pytest.approx(REVIEW_FLOOR)
    again = Curriculum.from_state(cfg, json.loads(json.dumps(cur.state())))
    assert again.review_weights() == cur.review_weights()


def test_reviews_are_drawn_by_the_review_weights():
    """With weights (0.85, 0.1, 0.05) for the three passed stairs levels, a review replays them in those
    proportions; without weights uniformly; the current level keeps its 1 − review_prob share."""
    cfg = CurriculumConfig(family_weights={"stairs_up": 1.0}, review_prob=0.5, review_by_failure=True)
    rng = np.random.default_rng(0)
    draws = np.array([sample_task(cfg, {"stairs_up": 3}, rng, {"stairs_up": [0.85, 0.1, 0.05]})[1]
                      for _ in range(8000)])
    assert np.mean(draws == 3) == pytest.approx(0.5, abs=0.02)
    for lvl, share in enumerate((0.85, 0.1, 0.05)):
        assert np.mean(draws == lvl) == pytest.approx(0.5 * share, abs=0.02)
    uniform = np.array([sample_task(cfg, {"stairs_up": 3}, rng)[1] for _ in range(6000)])
    assert np.mean(uniform == 0) == pytest.approx(0.5 / 3, abs=0.02)


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
    env = make_multitask(curriculum=cfg, references={task.name: pool}, weakness_range=(0.5, 0.9))
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
        make_multitask(curriculum=cfg, references={task.name: ()})


def test_a_step_to_reference_in_a_stairs_pool_gets_a_stretched_episode():
    """The pipeline's stairs pool (step-over-step, step-to): an episode that draws the step-to reference runs
    ``duration × sos speed / step-to speed`` (the same course in as many cycles), one that draws step-over-step or
    another task the plain duration; both references are drawn."""
    from rl_gait.curriculum.env import make_multitask
    from rl_gait.pipeline.run import stair_strategy_pool
    from rl_gait.reference import healthy_reference
    from rl_gait.reference.step_to import strategy_duration_s
    from rl_gait.tasks import Task

    stairs, level = Task("stairs", step_height_m=0.12), Task("level")
    pool = stair_strategy_pool(healthy_reference(stairs))
    assert [r.stair_strategy for r in pool] == ["step_over_step", "step_to"]
    alone = healthy_reference(level)
    assert stair_strategy_pool(alone) is alone  # not stairs: the reference alone
    cfg = CurriculumConfig(levels={"stairs_up": (stairs,), "level": (level,)},
                           family_weights={"stairs_up": 1.0, "level": 1.0})
    env = make_multitask(curriculum=cfg, references={stairs.name: pool, level.name: healthy_reference(level)},
                         episode_duration_s=10.0)
    stretched = strategy_duration_s(10.0, pool[0].speed_m_s, pool[1].speed_m_s)
    assert stretched > 15.0  # step-to walks about half as fast
    seen = set()
    for seed in range(40):
        env.reset(seed=seed)
        ref = env.unwrapped.reference
        seen.add(ref.stair_strategy if ref.task.terrain == "stairs" else "level")
        expect = stretched if ref.stair_strategy == "step_to" else 10.0
        assert env.unwrapped.episode_duration_s == pytest.approx(expect)
    assert seen == {"step_over_step", "step_to", "level"}


def test_weakness_families_weaken_only_their_episodes_and_restore_the_whole_body():
    """weakness_families=("level",): level episodes run on a weakened side (factor in the range, the
    model's gains scaled), stairs episodes on the whole body (factor 1, the model's gains back to
    ``pd`` after a weakened episode); the draws are the same either way (same seed → same factor
    stream); an unknown family is refused."""
    from rl_gait.curriculum.env import make_multitask
    from rl_gait.tasks import Task

    cfg = CurriculumConfig(levels={"level": (Task("level"),), "stairs_up": (Task("stairs", step_height_m=0.04),)},
                           family_weights={"level": 1.0, "stairs_up": 1.0})
    env = make_multitask(curriculum=cfg, weakness_range=(0.5, 0.8), weakness_families=("level",))
    kp0 = np.array(env.unwrapped.pd.kp_nm_per_rad)
    acts = env.unwrapped.layout.actuators
    seen = set()
    for seed in range(16):
        _, info = env.reset(seed=seed)
        fam = info["task_family"]
        seen.add(fam)
        gains = env.unwrapped.model.actuator_gainprm[acts, 0]
        if fam == "level":
            assert 0.5 <= info["weakness"] <= 0.8
            assert not np.allclose(gains, kp0)
        else:
            assert info["weakness"] == 1.0
            np.testing.assert_allclose(gains, kp0)
    assert seen == {"level", "stairs_up"}
    with pytest.raises(ValueError, match="weakness_families"):
        make_multitask(curriculum=cfg, weakness_range=(0.5, 0.8), weakness_families=("stairs",))


class _Runner:
    def __init__(self):
        self.pushed: list[dict] = []

        class _Vec:
            def call(_, name, levels, review_weights=None):
                self.pushed.append(dict(levels))

        class _Env:
            unwrapped = _Vec()

        self.env = _Env()


class _Group:
    def __init__(self):
        self.runner = _Runner()

    def foreach_env_runner(self, fn, local_env_runner=True):
        fn(self.runner)


class _Algo:
    def __init__(self):
        self.env_runner_group, self.eval_env_runner_group = _Group(), _Group()


def _metrics(family: str, level: int, episodes: int, successes: int) -> dict:
    return {f"curriculum|{family}|{level}|episodes": episodes, f"curriculum|{family}|{level}|successes": successes}


def test_evaluation_evidence_advances_from_evaluations_only_and_reaches_every_runner():
    """evidence="evaluation": 10 successful training episodes do not advance the family; 10 successful
    deterministic evaluation episodes (on_evaluate_end) do, and the new level is pushed to the training
    and the evaluation EnvRunners; the evaluation's rates are reported once, in the next train result
    (RLlib repeats the last evaluation's results in later iterations). evidence="training" ignores
    evaluations. An unknown evidence is refused."""
    from rl_gait.curriculum.callbacks import curriculum_callback

    cfg = CurriculumConfig(family_weights={"stairs_up": 1.0}, min_episodes=10, window=10)
    cls, cur = curriculum_callback(cfg, evidence="evaluation")
    cb, algo = cls(), _Algo()
    result = {"env_runners": _metrics("stairs_up", 0, 10, 10)}
    cb.on_train_result(algorithm=algo, result=result)
    assert cur.levels["stairs_up"] == 0 and "success_rate_evaluation" not in result["curriculum"]
    assert result["curriculum"]["success_rate_iteration"] == {"stairs_up/L0": 1.0}

    cb.on_evaluate_end(algorithm=algo, evaluation_metrics={"env_runners": _metrics("stairs_up", 0, 10, 9)})
    assert cur.levels["stairs_up"] == 1
    assert algo.env_runner_group.runner.pushed == algo.eval_env_runner_group.runner.pushed == [{"stairs_up": 1}]
    result = {"env_runners": {}, "evaluation": {"env_runners": _metrics("stairs_up", 0, 10, 9)}}
    cb.on_train_result(algorithm=algo, result=result)
    assert result["curriculum"]["success_rate_evaluation"] == {"stairs_up/L0": 0.9}
    assert result["curriculum"]["episodes_evaluation"] == {"stairs_up/L0": 10}
    result = {"env_runners": {}, "evaluation": {"env_runners": _metrics("stairs_up", 0, 10, 9)}}  # repeated
    cb.on_train_result(algorithm=algo, result=result)
    assert "success_rate_evaluation" not in result["curriculum"] and cur.levels["stairs_up"] == 1

    cls, cur = curriculum_callback(cfg, evidence="training")
    cb = cls()
    cb.on_evaluate_end(algorithm=algo, evaluation_metrics={"env_runners": _metrics("stairs_up", 0, 10, 10)})
    assert cur.levels["stairs_up"] == 0
    cb.on_train_result(algorithm=algo, result={"env_runners": _metrics("stairs_up", 0, 10, 8)})
    assert cur.levels["stairs_up"] == 1
    with pytest.raises(ValueError, match="evidence"):
        curriculum_callback(cfg, evidence="eval")


def test_multitask_training_advances_on_deterministic_evaluations(tmp_path):
    """RLlib wiring of advance_on="evaluation" (warm start: the shipped atlas policy, which walks level
    ground; 625 steps an episode): the 2 episodes the first evaluation (1300 steps) finishes at level 0
    advance the family, and the next evaluation finishes episodes at level 1 — the evaluation EnvRunner
    got the new level. Resumed from the saved algorithm, the next evaluation reports only its own episodes."""
    from rl_gait.curriculum.env import MultiTaskEnvConfig
    from rl_gait.curriculum.training import multitask_config
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.learner import resume_algorithm
    from rl_gait.learner.checkpoint import save_algorithm
    from rl_gait.learner.ray_session import start_ray
    from rl_gait.reference import healthy_reference
    from rl_gait.tasks import Task

    atlas = Path(rl_gait.__file__).resolve().parent / "data" / "atlas_policy"
    tasks = (Task("level", speed_m_s=0.95), Task("level", speed_m_s=1.1))
    cfg = CurriculumConfig(levels={"level": tasks}, family_weights={"level": 1.0}, min_episodes=2, window=2,
                           review_prob=0.0, review_by_failure=True)
    start_ray(num_cpus=1)

    def build(curriculum_state=None):
        env = MultiTaskEnvConfig(walk=WalkEnvConfig(max_retreat_m=0.5), curriculum=cfg,
                                 references={t.name: healthy_reference(t) for t in tasks})
        return multitask_config(env=env, out_dir=tmp_path, warm_start=atlas, demos_per_task=16, advance_on="evaluation",
                                evaluation_interval=1, evaluation_steps=1300, num_env_runners=0,
                                num_envs_per_env_runner=1, train_batch_size=256, minibatch_size=128, num_epochs=1,
                                curriculum_state=curriculum_state)

    config, cur = build()
    assert config.env_config["config"].walk.max_retreat_m == 0.5  # reaches every runner's WalkEnv
    algo = config.build_algo()
    try:
        first = algo.train()["curriculum"]
        assert set(first["episodes_evaluation"]) == {"level/L0"} and first["episodes_evaluation"]["level/L0"] >= 2
        assert first["success_rate_evaluation"]["level/L0"] == 1.0
        assert cur.levels["level"] == 1
        envs = algo.env_runner_group.local_env_runner.env.unwrapped  # review weights pushed with the levels
        # level 0 was passed 2/2: its review weight starts from those episodes
        assert list(envs.get_attr("review_weights")) == [{"level": [REVIEW_FLOOR]}]
        second = algo.train()["curriculum"]
        assert second["episodes_evaluation"].get("level/L1", 0) >= 1  # (+ the L0 episode the first one left running)
        save_algorithm(algo, tmp_path / "algorithm")  # digests: resume_algorithm verifies before unpickling
    finally:
        algo.stop()
    # resumed: the next evaluation reports only its own episodes (all at level 1 now: fresh envs, no
    # reviews), not the saved run's last evaluation again (RLlib restores "latest merged" metric values)
    assert "level/L0" in second["episodes_evaluation"]
    config, _ = build(cur.state())
    algo = config.build_algo()
    try:
        resume_algorithm(algo, tmp_path / "algorithm")
        third = algo.train()["curriculum"]
    finally:
        algo.stop()
    assert set(third["episodes_evaluation"]) == {"level/L1"}


def test_multitask_env_options_reach_the_envs(tmp_path):
    """``trunk_pitch``, ``stair_fit`` and ``level_approach`` reach every runner's WalkEnv (env_config) and the
    first two the demonstrations' env: their names differ from the default ones, so a run never reuses
    demonstrations made with other env options (the level approach does not change them)."""
    import gymnasium as gym

    from rl_gait.curriculum.env import MultiTaskEnvConfig
    from rl_gait.curriculum.training import MULTITASK_ENV_ID, multitask_config
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.reference import healthy_reference
    from rl_gait.tasks import Task

    tasks = (Task("level", speed_m_s=1.1), Task("stairs", step_height_m=0.08))
    cfg = CurriculumConfig(levels={"level": tasks[:1], "stairs_up": tasks[1:]},
                           family_weights={"level": 1.0, "stairs_up": 1.0}, min_episodes=2, window=2)
    refs = {t.name: healthy_reference(t) for t in tasks}
    names = {}
    for label, options in (("default", {}), ("pitch", {"trunk_pitch": "reference"}), ("unfitted", {"stair_fit": False}),
                           ("no approach", {"level_approach": False})):
        env = MultiTaskEnvConfig(walk=WalkEnvConfig(**options), curriculum=cfg, references=refs)
        config, _ = multitask_config(env=env, out_dir=tmp_path / label, demos_per_task=4, num_env_runners=0)
        names[label] = {p.name for p in (tmp_path / label).glob("demonstrations-*.npz")}
        env = gym.make(MULTITASK_ENV_ID, **config.env_config)
        env.reset(seed=0)
        walk = env.unwrapped  # the WalkEnv inside MultiTaskWalk
        assert walk.trunk_pitch == options.get("trunk_pitch", "upright")
        assert walk.stair_fit is options.get("stair_fit", True)
        assert walk.level_approach is options.get("level_approach", True)
        env.close()
    assert all(names.values()) and len(set.union(*names.values())) == 3 and names["no approach"] == names["default"]
