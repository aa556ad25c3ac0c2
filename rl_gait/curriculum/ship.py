"""The ship rule of the atlas policy: a candidate replaces the shipped policy only if no cell got worse.

The evaluations compared are :meth:`rl_gait.curriculum.evaluation.EvaluationGrid.evaluate_policies` results,
body → ``"family/Lk"`` → ``success_rate``, ``successes``, ``rollouts``. A few rollouts decide a cell by one
episode, and over ~90 cells some cell of any changed policy drops by one: every cell that got worse is rolled
out again for both policies over more seeds (:func:`retest_jobs`; the first seeds the same) and stays a
regression only if the drop is significant there (one-sided Boschloo exact test, :func:`worse_p_value`).
"""

from __future__ import annotations

from rl_gait.curriculum.evaluation import Job


def worse_p_value(successes_shipped: int, successes_candidate: int, rollouts_shipped: int,
                  rollouts_candidate: int) -> float:
    """One-sided p-value of "the candidate succeeds less often than the shipped policy" from two success
    counts (Boschloo's exact test, ``scipy.stats.boschloo_exact``; 1.0 when the candidate is not worse)."""
    from scipy.stats import boschloo_exact

    if successes_candidate / rollouts_candidate >= successes_shipped / rollouts_shipped:
        return 1.0
    table = [[successes_shipped, rollouts_shipped - successes_shipped],
             [successes_candidate, rollouts_candidate - successes_candidate]]
    return float(boschloo_exact(table, alternative="greater").pvalue)


def regressed_cells(candidate: dict[str, dict], shipped: dict[str, dict],
                    alpha: float | None = None) -> list[tuple[str, str]]:
    """``(body, "family/Lk")`` of the cells where ``candidate`` succeeds less often than ``shipped``: at all
    (``alpha`` None), or with :func:`worse_p_value` below ``alpha`` given each cell's ``successes`` and
    ``rollouts``. A cell the shipped policy was not evaluated on cannot regress."""
    out = []
    for body, cells in candidate.items():
        for key, cell in cells.items():
            before = shipped.get(body, {}).get(key)
            if before is None or cell["success_rate"] >= before["success_rate"] - 1e-9:
                continue
            if alpha is None or worse_p_value(before["successes"], cell["successes"],
                                              before["rollouts"], cell["rollouts"]) < alpha:
                out.append((body, key))
    return out


def ship_regressions(candidate: dict[str, dict], shipped: dict[str, dict], alpha: float | None = None) -> list[str]:
    """:func:`regressed_cells` as messages (:func:`describe_cells`). A candidate ships only when this list
    is empty."""
    return describe_cells(regressed_cells(candidate, shipped, alpha), candidate, shipped)


def describe_cells(cells: list[tuple[str, str]], candidate: dict[str, dict], shipped: dict[str, dict]) -> list[str]:
    """``(body, "family/Lk")`` cells as messages, e.g. ``"stairs_down/L0 weak l: 0.33 → 0.00"``."""
    return [f"{key if body == 'healthy' else f'{key} weak {body}'}: "
            f"{shipped[body][key]['success_rate']:.2f} → {candidate[body][key]['success_rate']:.2f}"
            for body, key in cells]


def retest_jobs(suspects: list[tuple[str, str]], seeds: int) -> list[Job]:
    """Evaluation jobs that roll both policies (``"candidate"``, ``"shipped"``) out again on the ``suspects``
    cells with ``seeds`` seeds: one job per policy and body."""
    by_body: dict[str, list[str]] = {}
    for body, key in suspects:
        by_body.setdefault(body, []).append(key)
    return [(policy, body, seeds, tuple(keys)) for body, keys in by_body.items()
            for policy in ("candidate", "shipped")]
