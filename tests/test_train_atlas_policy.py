"""The atlas training script's ship rule (``experiments/train_atlas_policy.py``), on hand-made evaluations."""

from __future__ import annotations

from script_loader import load_experiment

tap = load_experiment("train_atlas_policy")


def _evaluation(healthy: dict[str, float], weak_l: dict[str, float], weak_r: dict[str, float]) -> dict:
    return {body: {k: {"task": k, "success_rate": v, "distance_m": 1.0} for k, v in cells.items()}
            for body, cells in (("healthy", healthy), ("l", weak_l), ("r", weak_r))}


SHIPPED = _evaluation({"stairs_up/L0": 2 / 3, "stairs_down/L0": 1.0},
                      {"stairs_up/L0": 0.0, "stairs_down/L0": 1 / 3},
                      {"stairs_up/L0": 0.0, "stairs_down/L0": 1.0})


def test_a_candidate_equal_or_better_everywhere_ships():
    better = _evaluation({"stairs_up/L0": 1.0, "stairs_down/L0": 1.0},
                         {"stairs_up/L0": 1 / 3, "stairs_down/L0": 1 / 3},
                         {"stairs_up/L0": 0.0, "stairs_down/L0": 1.0})
    assert tap.ship_regressions(better, SHIPPED) == []
    assert tap.ship_regressions(SHIPPED, SHIPPED) == []


def test_one_worse_cell_on_a_weakened_side_refuses_even_with_a_better_total():
    """atlas_s7's pattern: stairs up better (+1/3 healthy, +1/3 weak left) but descending on a weak left
    side 1/3 → 0: refused, and the message names the cell, the body and both rates."""
    mixed = _evaluation({"stairs_up/L0": 1.0, "stairs_down/L0": 1.0},
                        {"stairs_up/L0": 1 / 3, "stairs_down/L0": 0.0},
                        {"stairs_up/L0": 0.0, "stairs_down/L0": 1.0})
    assert tap.ship_regressions(mixed, SHIPPED) == ["stairs_down/L0 weak l: 0.33 → 0.00"]
    healthy_worse = _evaluation({"stairs_up/L0": 1 / 3, "stairs_down/L0": 1.0},
                                {"stairs_up/L0": 0.0, "stairs_down/L0": 1 / 3},
                                {"stairs_up/L0": 0.0, "stairs_down/L0": 1.0})
    assert tap.ship_regressions(healthy_worse, SHIPPED) == ["stairs_up/L0: 0.67 → 0.33"]


def test_cells_the_shipped_policy_was_not_evaluated_on_cannot_regress():
    """A new task (or no shipped policy at all) has nothing to be worse than."""
    new_task = _evaluation({"stairs_up/L0": 2 / 3, "stairs_down/L0": 1.0, "hemiparetic/L0": 0.0},
                           {"stairs_up/L0": 0.0, "stairs_down/L0": 1 / 3, "hemiparetic/L0": 0.0},
                           {"stairs_up/L0": 0.0, "stairs_down/L0": 1.0, "hemiparetic/L0": 0.0})
    assert tap.ship_regressions(new_task, SHIPPED) == []
    assert tap.ship_regressions(new_task, {}) == []


def test_review_probability_reaches_the_curriculum():
    """``--review-prob`` (how often an episode replays a passed level: atlas_s8 forgot stairs up 8 cm at 0.2)."""
    cfg, refs = tap.curriculum_setup({"level": 1.0}, review_prob=0.5)
    assert cfg.review_prob == 0.5 and cfg.families == ("level",)
    assert tap.curriculum_setup({"level": 1.0})[0].review_prob == 0.2
    assert set(refs) == {t.name for t in cfg.levels["level"]}
