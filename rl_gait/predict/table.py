"""The terminal summary of ``predictions.json``: one row per task family, one column per level."""

from __future__ import annotations

from typing import Any

_STYLE = {"safe": "green", "supervised": "yellow", "not recommended": "red"}


def predictions_table(doc: dict[str, Any]):
    """A ``rich.table.Table``: per family its verdict, highest safe / recommended level, and per level
    ``success % [CI] falls`` (``≤level``: its verdict lowered to the level walk's, :func:`rl_gait.predict.verdict.cap_at_level_walk`)."""
    from rich.table import Table

    body = {"3d": "3D"}.get(doc.get("body_model", "planar"), doc.get("body_model", "planar"))
    capped = any(lv.get("verdict_capped_by_level_walk") for f in doc["families"].values() for lv in f["levels"])
    caption = evidence_line(doc) + (" ≤level: verdict lowered to the level walk's (no slope or stair level is rated "
                                     "safer than walking on the flat)." if capped else "")
    t = Table(title=f"Predicted task outcomes — {doc['patient_id']} ({body} body, "
                    f"{doc['settings']['n_rollouts']} perturbed rollouts per level)", caption=caption.strip())
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
            capped = " ≤level" if lv.get("verdict_capped_by_level_walk") else ""
            cells.append(f"[{style}]{lv['difficulty_label']}: {100 * lv['success_rate']:.0f}% "
                         f"[{100 * lo:.0f}–{100 * hi:.0f}] ({lv['falls']}){capped}[/]")
        t.add_row(fam.replace("_", " "), f"[{_STYLE[f['verdict']]}]{f['verdict']}[/]",
                  f["highest_safe_level"] or "—", f["highest_recommended_level"] or "—", "\n".join(cells))
    return t


def evidence_line(doc: dict[str, Any]) -> str:
    """One sentence on what the rollout count can show ("safe" needs k of n successes, or cannot be reached)."""
    e = doc.get("evidence")
    if not e:
        return ""
    n = e["n_rollouts"]
    if not e["can_certify_safe"]:
        return (f"{n} rollouts per level cannot certify 'safe' (its 95% lower bound needs at least "
                f"{e['min_rollouts_for_safe']} rollouts): the best verdict here is 'supervised'.")
    return (f"'safe' needs at least {e['successes_needed_for_safe']} of {n} successes; {n} of {n} shows a success "
            f"rate of at least {100 * e['success_lower_bound_if_all_succeed']:.0f}% (95% confidence); failures "
            f"rarer than {100 * e['failure_rate_upper_bound_if_none_fail']:.0f}% can go unseen.")


def print_predictions(doc: dict[str, Any], console: Any = None) -> None:
    from rich.console import Console

    (console or Console()).print(predictions_table(doc))
