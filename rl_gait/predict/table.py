"""The terminal summary of ``predictions.json``: one row per task family, one column per level."""

from __future__ import annotations

from typing import Any

_STYLE = {"safe": "green", "supervised": "yellow", "not recommended": "red"}


def predictions_table(doc: dict[str, Any]):
    """A ``rich.table.Table``: per family its verdict, highest safe / recommended level, and per level
    ``success % [CI] falls``."""
    from rich.table import Table

    t = Table(title=f"Predicted task outcomes — {doc['patient_id']} "
                    f"({doc['settings']['n_rollouts']} perturbed rollouts per level)")
    t.add_column("task")
    t.add_column("verdict")
    t.add_column("highest safe")
    t.add_column("highest with supervision")
    t.add_column("levels: success % [95% CI] (falls)")
    for fam, f in doc["families"].items():
        cells = []
        for lv in f["levels"]:
            lo, hi = lv["success_ci95"]
            style = _STYLE[lv["verdict"]]
            cells.append(f"[{style}]{lv['difficulty_label']}: {100 * lv['success_rate']:.0f}% "
                         f"[{100 * lo:.0f}–{100 * hi:.0f}] ({lv['falls']})[/]")
        t.add_row(fam.replace("_", " "), f"[{_STYLE[f['verdict']]}]{f['verdict']}[/]",
                  f["highest_safe_level"] or "—", f["highest_recommended_level"] or "—", "\n".join(cells))
    return t


def print_predictions(doc: dict[str, Any], console: Any = None) -> None:
    from rich.console import Console

    (console or Console()).print(predictions_table(doc))
