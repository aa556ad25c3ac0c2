"""The atlas policy's ship rule and evaluation grid (:mod:`rl_gait.curriculum.ship`,
:mod:`rl_gait.curriculum.evaluation`; used by ``experiments/train_atlas_policy.py``), on hand-made evaluations."""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.curriculum import evaluation as ev_
from rl_gait.curriculum import ship
from rl_gait.curriculum.atlas_setup import atlas_curriculum
from rl_gait.curriculum.evaluation import EvaluationGrid


def _grid(family_weights: dict[str, float], duration_s: float, **kw) -> EvaluationGrid:
    cfg, refs = atlas_curriculum(family_weights, **kw)
    return EvaluationGrid(cfg, refs, duration_s=duration_s)


def _evaluation(healthy: dict[str, float], weak_l: dict[str, float], weak_r: dict[str, float],
                rollouts: int = 3) -> dict:
    return {body: {k: {"task": k, "success_rate": v, "successes": round(v * rollouts), "distance_m": 1.0,
                   "rollouts": rollouts} for k, v in cells.items()}
            for body, cells in (("healthy", healthy), ("l", weak_l), ("r", weak_r))}


SHIPPED = _evaluation({"stairs_up/L0": 2 / 3, "stairs_down/L0": 1.0},
                      {"stairs_up/L0": 0.0, "stairs_down/L0": 1 / 3},
                      {"stairs_up/L0": 0.0, "stairs_down/L0": 1.0})


def test_a_candidate_equal_or_better_everywhere_ships():
    better = _evaluation({"stairs_up/L0": 1.0, "stairs_down/L0": 1.0},
                         {"stairs_up/L0": 1 / 3, "stairs_down/L0": 1 / 3},
                         {"stairs_up/L0": 0.0, "stairs_down/L0": 1.0})
    assert ship.ship_regressions(better, SHIPPED) == []
    assert ship.ship_regressions(SHIPPED, SHIPPED) == []


def test_one_worse_cell_on_a_weakened_side_refuses_even_with_a_better_total():
    """atlas_s7's pattern: stairs up better (+1/3 healthy, +1/3 weak left) but descending on a weak left
    side 1/3 → 0: refused, and the message names the cell, the body and both rates."""
    mixed = _evaluation({"stairs_up/L0": 1.0, "stairs_down/L0": 1.0},
                        {"stairs_up/L0": 1 / 3, "stairs_down/L0": 0.0},
                        {"stairs_up/L0": 0.0, "stairs_down/L0": 1.0})
    assert ship.ship_regressions(mixed, SHIPPED) == ["stairs_down/L0 weak l: 0.33 → 0.00"]
    healthy_worse = _evaluation({"stairs_up/L0": 1 / 3, "stairs_down/L0": 1.0},
                                {"stairs_up/L0": 0.0, "stairs_down/L0": 1 / 3},
                                {"stairs_up/L0": 0.0, "stairs_down/L0": 1.0})
    assert ship.ship_regressions(healthy_worse, SHIPPED) == ["stairs_up/L0: 0.67 → 0.33"]


def test_cells_the_shipped_policy_was_not_evaluated_on_cannot_regress():
    """A new task (or no shipped policy at all) has nothing to be worse than."""
    new_task = _evaluation({"stairs_up/L0": 2 / 3, "stairs_down/L0": 1.0, "hemiparetic/L0": 0.0},
                           {"stairs_up/L0": 0.0, "stairs_down/L0": 1 / 3, "hemiparetic/L0": 0.0},
                           {"stairs_up/L0": 0.0, "stairs_down/L0": 1.0, "hemiparetic/L0": 0.0})
    assert ship.ship_regressions(new_task, SHIPPED) == []
    assert ship.ship_regressions(new_task, {}) == []


def test_review_probability_reaches_the_curriculum():
    """The review probability (how often an episode replays a passed level: atlas_s8 forgot stairs up 8 cm at 0.2)."""
    cfg, refs = atlas_curriculum({"level": 1.0}, review_prob=0.5)
    assert cfg.review_prob == 0.5 and cfg.families == ("level",)
    assert atlas_curriculum({"level": 1.0})[0].review_prob == 0.2
    assert set(refs) == {t.name for tasks in cfg.levels.values() for t in tasks}  # trained or not: all evaluated


def test_after_a_retest_only_a_significant_drop_is_a_regression():
    """Retested over 30 rollouts: atlas_s15's stairs down 15 cm, 11/30 → 4/30 (one-sided Boschloo p = 0.022),
    is a regression at alpha 0.1; 11/30 → 10/30 (p = 0.41) is not. Without alpha every drop counts."""
    shipped = _evaluation({"stairs_down/L2": 11 / 30}, {"stairs_down/L2": 11 / 30}, {}, rollouts=30)
    candidate = _evaluation({"stairs_down/L2": 4 / 30}, {"stairs_down/L2": 10 / 30}, {}, rollouts=30)
    assert ship.regressed_cells(candidate, shipped) == [("healthy", "stairs_down/L2"), ("l", "stairs_down/L2")]
    assert ship.regressed_cells(candidate, shipped, alpha=0.1) == [("healthy", "stairs_down/L2")]
    assert ship.ship_regressions(candidate, shipped, alpha=0.1) == ["stairs_down/L2: 0.37 → 0.13"]


def test_worse_p_value_hand_examples():
    """3/3 → 0/3: the nuisance success rate that maximises P(3 and 0) is 1/2, so p = (1/2)^6 = 1/64;
    10/10 → 0/10: (1/2)^20. Not worse: 1."""
    assert ship.worse_p_value(3, 0, 3, 3) == pytest.approx(1 / 64)
    assert ship.worse_p_value(10, 0, 10, 10) == pytest.approx(0.5 ** 20)
    assert ship.worse_p_value(1, 2, 3, 3) == 1.0 and ship.worse_p_value(2, 2, 3, 3) == 1.0


def test_retest_jobs_roll_both_policies_out_on_each_suspect_body():
    jobs = ship.retest_jobs([("healthy", "stairs_up/L0"), ("r", "stairs_down/L1"), ("healthy", "stairs_down/L1")], 10)
    assert jobs == [("candidate", "healthy", 10, ("stairs_up/L0", "stairs_down/L1")),
                    ("shipped", "healthy", 10, ("stairs_up/L0", "stairs_down/L1")),
                    ("candidate", "r", 10, ("stairs_down/L1",)), ("shipped", "r", 10, ("stairs_down/L1",))]


class _StandStill:
    """A policy that holds the PD targets at the reference (zero action residual)."""

    def __init__(self, action_dim: int):
        self.action_dim = action_dim

    def act(self, obs, deterministic: bool = True):
        return np.zeros(self.action_dim, dtype=np.float32)


def test_forked_evaluation_equals_the_serial_one():
    """``evaluate_policies`` in two forked workers returns what ``evaluate`` returns in this process,
    merged per policy and body; more seeds extend the fewer (seed 1000 + s)."""
    from rl_gait.envs.walk import WalkEnv

    grid = _grid({"level": 1.0}, duration_s=1.0)
    policy = _StandStill(WalkEnv().action_space.shape[0])
    cells = ("level/L0", "level/L4")
    jobs = [("a", "healthy", 2, cells), ("a", "l", 2, ("level/L0",)), ("b", "healthy", 2, ("level/L4",))]
    forked = grid.evaluate_policies({"a": policy, "b": policy}, jobs, workers=2)
    serial = grid.evaluate(policy, seeds=2, cells=cells)
    assert forked["a"]["healthy"] == serial and forked["b"]["healthy"] == {"level/L4": serial["level/L4"]}
    assert set(forked["a"]["l"]) == {"level/L0"} and forked["a"]["l"]["level/L0"]["rollouts"] == 2
    assert serial["level/L0"]["distance_m"] > 0.0
    for cell in serial.values():  # the counts the ship rule's exact test reads
        assert cell["successes"] == round(cell["success_rate"] * cell["rollouts"])



def test_fidelity_per_task_is_the_learners_evaluation_of_every_single_reference_task():
    """One entry per level of every family with one reference (not the hemiparetic pool), each the
    :func:`~rl_gait.learner.evaluation.evaluate` of that task on the healthy body at the evaluation's seeds."""
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.envs.walk import WalkEnv
    from rl_gait.learner.evaluation import evaluate

    grid = _grid({"level": 1.0, "hemiparetic": 1.0}, duration_s=0.5, hemiparetic=2)
    policy = _StandStill(WalkEnv().action_space.shape[0])
    fid = grid.fidelity_per_task(policy, seeds=1)
    single = [t.name for f, tasks in grid.curriculum.levels.items() if f != "hemiparetic" for t in tasks]
    assert list(fid) == single and len(single) == 25
    task = grid.curriculum.levels["stairs_up"][0]
    direct = evaluate(policy, WalkEnvConfig(task=task, reference=grid.references[task.name]), n_rollouts=1,
                      seed=ev_.EVAL_SEED, duration_s=0.5)
    np.testing.assert_equal(fid[task.name], {k: float(direct[k]) for k in ev_.FIDELITY_KEYS})  # nan == nan here


def test_anchor_states_are_the_policys_own_rollouts_on_every_body(tmp_path):
    """Every observation the policy acts on, on the whole body and each weak side, seeds 2000 + s
    (never the ship evaluation's 1000 + s); the first is the first cell's reset at seed 2000."""
    from rl_gait.envs.walk import WalkEnv

    grid = _grid({"level": 1.0}, duration_s=0.5)
    env = WalkEnv(episode_duration_s=0.5)
    policy = _StandStill(env.action_space.shape[0])
    path = grid.anchor_states(policy, seeds=1, path=tmp_path / "s.npz")
    obs = np.load(path)["obs"]
    steps = 0
    for body in ev_.BODIES:
        states: list = []
        grid.evaluate(policy, seeds=1, first_seed=ev_.ANCHOR_SEED, states=states,
                      weak_side=None if body == "healthy" else body)
        steps += len(states)
    assert obs.shape == (steps, env.observation_space.shape[0]) and np.isfinite(obs).all()
    task = grid.curriculum.levels["level"][0]
    first, _ = env.reset(seed=ev_.ANCHOR_SEED, options={"task": task, "reference": grid.references[task.name]})
    np.testing.assert_array_equal(obs[0], first)


def test_the_evaluation_covers_families_this_stretch_does_not_train():
    """A stretch that trains only level ground (other families weight 0 or unnamed) is still evaluated on
    every family's levels: the ship rule must see a skill it could have lost."""
    from rl_gait.curriculum import FAMILIES
    from rl_gait.envs.walk import WalkEnv

    grid = _grid({"level": 1.0, "stairs_up": 0.0}, duration_s=0.1)
    assert grid.curriculum.families == ("level",)
    ev = grid.evaluate(_StandStill(WalkEnv().action_space.shape[0]), seeds=1)
    assert {k.split("/")[0] for k in ev} == set(FAMILIES)
    assert len(ev) == sum(len(tasks) for tasks in grid.curriculum.levels.values())
