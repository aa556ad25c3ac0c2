"""``build_report(run_dir)``: the clinician's self-contained ``report.html`` from a main-job folder.

Reads ``trial/trial.json`` + ``trial.npz`` (ingestion), ``predictions/predictions.json`` + ``curves.npz``
(predict) and the final checkpoint (for the GIFs). Every image is embedded as base64, so the file opens
offline, on any machine, without the run folder.
"""

from __future__ import annotations

import base64
import functools
import math
from pathlib import Path
from typing import Any

import numpy as np

from rl_gait._version import __version__
from rl_gait.joints import SIDE_NAMES

TEMPLATE = "report.html.j2"
"""The page's markup and style: ``rl_gait/report/templates/`` (package data), rendered by jinja2 with
autoescaping, so no text from an input file (patient id, paretic side, task names, verdicts...) can become markup."""


def data_uri(data: bytes, mime: str) -> str:
    """``data:<mime>;base64,...`` for an embedded image."""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def fmt(x: Any, nd: int = 1, unit: str = "") -> str:
    """A number with ``nd`` decimals and ``unit``; "—" where it is undefined (None, NaN) or not a number."""
    if isinstance(x, bool) or not isinstance(x, int | float | np.number) or not math.isfinite(x):
        return "—"
    return f"{x:.{nd}f}{unit}"


def times(x: Any, factor: float) -> Any:
    """``x * factor`` where ``x`` is a number, else ``x`` (undefined stays undefined)."""
    return x * factor if isinstance(x, int | float) and not isinstance(x, bool) else x


@functools.cache
def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("rl_gait.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(fmt=fmt, times=times, fall_directions=fall_directions)
    return env


def render_report(trial_json: dict[str, Any], predictions: dict[str, Any], *, gps: dict[str, Any],
                  figures: dict[str, str],
                  task_figures: list[dict[str, str]], gifs: list[dict[str, str]] | None,
                  healthy: dict[str, Any] | None = None) -> str:
    """The report page: ``trial_json`` (the validated ``trial.json``), ``predictions`` (``predictions.json``),
    ``gps`` (:func:`rl_gait.atlas.gait_profile_score` of the trial, JSON-able; ``{}``: none), ``figures`` (``fidelity``,
    ``success`` and optionally ``gps``, ``pelvic_obliquity`` and ``hip_adduction``: data URIs), ``task_figures``
    (``{"task", "src"}``), ``gifs`` (``{"family", "task", "level", "verdict", "src"}``; ``None``: no section)
    and the healthy control's predictions (``None``: no comparison)."""
    from rl_gait.predict.table import evidence_line

    return _environment().get_template(TEMPLATE).render(
        version=__version__, patient_id=predictions["patient_id"], trial=trial_json,
        gps=gps, families=predictions["families"], body=body_summary(predictions, trial_json, healthy),
        thresholds=predictions["thresholds"], n_rollouts=predictions["settings"]["n_rollouts"],
        evidence=evidence_line(predictions), strategies=strategy_rows(predictions),
        healthy=healthy_control(predictions, healthy) if healthy is not None else None,
        figures=figures, task_figures=task_figures, gifs=gifs)


BODY_NAMES = {"planar": "planar", "3d": "3D"}
"""How the report names each body model (``predictions.json`` ``body_model``)."""
BODY_LABELS = {"planar": "planar (sagittal plane: it cannot fall sideways)",
               "3d": "3D (frontal-plane motion: pelvic obliquity, hip ab/adduction, sideways falls)"}
"""... and what it can do."""


def body_summary(doc: dict[str, Any], trial_json: dict[str, Any], healthy: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    """The simulated body of ``doc`` (a ``predictions.json``; planar where it does not say, as every file from before
    the 3D body): its label, whether it can fall sideways, the sideways falls over all levels, the healthy control's
    body where it differs, and — for the 3D body where the trial measured them — the level walk's pelvic obliquity
    range and each side's hip ab/adduction range, measured (``trial.json``) vs simulated (the level's stride-mean
    curves), degrees (``hip_adduction``: ``[{"side", "measured_deg", "simulated_deg"}]``, right then left, the sides
    the trial measured)."""
    model = doc.get("body_model", "planar")
    levels = [lv for f in doc["families"].values() for lv in f["levels"]]
    sideways = sum(int((lv.get("falls_by_direction") or {}).get(d) or 0) for lv in levels for d in ("left", "right"))
    level = next(iter((doc["families"].get("level") or {}).get("levels") or []), None)
    measured = trial_json.get("pelvic_obliquity_range_deg")
    obliquity = None
    if model == "3d" and measured is not None:
        obliquity = {"measured_deg": measured,
                     "simulated_deg": ((level or {}).get("metrics") or {}).get("pelvic_obliquity_range_deg")}
    hip_adduction = []
    if model == "3d":
        measured_hip = trial_json.get("hip_abduction_range_deg") or {}
        simulated_hip = ((level or {}).get("metrics") or {}).get("hip_abduction_range_deg") or {}
        hip_adduction = [{"side": SIDE_NAMES[s], "measured_deg": measured_hip[s], "simulated_deg": simulated_hip.get(s)}
                         for s in ("r", "l") if measured_hip.get(s) is not None]
    other = (healthy or {}).get("body_model", "planar") if healthy is not None else model
    return {"model": model, "name": BODY_NAMES.get(model, model), "label": BODY_LABELS.get(model, model),
            "frontal": model == "3d", "sideways_falls": sideways if model == "3d" else None, "obliquity": obliquity,
            "hip_adduction": hip_adduction, "healthy_model": BODY_NAMES.get(other, other) if other != model else None}


def fall_directions(level: dict[str, Any]) -> str:
    """A level's falls per direction, ``forward / backward / left / right``; "—" for a direction its body cannot
    fall in (the planar body: left and right) or a file from before falls were counted by direction."""
    counts = level.get("falls_by_direction") or {}
    return " / ".join(str(counts[d]) if d in counts else "—" for d in ("forward", "backward", "left", "right"))


def strategy_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Per stair level: step-over-step and step-to cells (``{"text", "verdict"}``) and the strategy the verdict uses."""
    rows = []
    for fam in ("stairs_up", "stairs_down"):
        for lv in (doc["families"].get(fam) or {}).get("levels", []):
            cells = []
            for name in ("step_over_step", "step_to"):
                st = (lv.get("strategies") or {}).get(name)
                if st is None or not st["evaluated"]:
                    cells.append({"text": "not evaluated: policy not trained on it", "verdict": None})
                    continue
                mark = "" if st["trained"] else " — policy not trained on it, not used"
                lead = f", {st['leading_side']} leg first" if st.get("leading_side") else ""
                cells.append({"text": f"{st['successes']}/{st['n_rollouts']}, {st['falls']} falls, {st['verdict']}"
                                      f"{lead}{mark}", "verdict": st["verdict"]})
            rows.append({"task": lv["task"], "cells": cells,
                         "best": (lv.get("best_strategy") or "step_over_step").replace("_", "-")})
    return rows


def healthy_control(doc: dict[str, Any], healthy: dict[str, Any]) -> dict[str, Any]:
    """The patient beside the healthy control (same levels, rollouts and seeds; a healthy body of the patient's
    size walking the healthy atlas references with the shipped prior): per level, success, verdict and speed."""
    rows = []
    for fam, f in doc["families"].items():
        other = {lv["task"]: lv for lv in healthy["families"].get(fam, {}).get("levels", [])}
        for lv in f["levels"]:
            cells = []
            for x in (lv, other.get(lv["task"])):
                if x is None:
                    cells += [{"text": "—", "verdict": None}] * 2
                    continue
                cells += [{"text": f"{fmt(100 * x['success_rate'], 0)}% ({x['verdict']})", "verdict": x["verdict"]},
                          {"text": _speed_text(x), "verdict": None}]
            rows.append({"task": lv["task"], "cells": cells})
    limits = {d.get("subject"): next((lv["speed_check"]["limit"] for f in d["families"].values() for lv in f["levels"]
                                      if "speed_check" in lv), None) for d in (doc, healthy)}
    return {"rows": rows, "body": healthy.get("body") or {}, "limit_patient": limits.get("patient"),
            "limit_control": limits.get("healthy_control")}


def _speed_text(level: dict[str, Any]) -> str:
    """Mean speed of a level's successful rollouts, with its ratio to the level walk's and ⚠ over the limit."""
    chk = level.get("speed_check") or {}
    ratio = chk.get("ratio_to_level")
    flag = " ⚠" if chk.get("within") is False else ""
    return fmt(level.get("speed_m_s_successful"), 2) + (f" ({ratio:.2f}×{flag})" if ratio is not None else "")


def build_report(run_dir: str | Path, out_path: str | Path | None = None, *, checkpoint: str | Path | None = None,
                 gif_seconds: float = 4.0) -> Path:
    """Write ``report.html`` for the main-job folder ``run_dir`` (see the module docstring)."""
    from rl_gait.atlas import gait_profile_score
    from rl_gait.ingest import GaitTrial
    from rl_gait.io.documents import load_document
    from rl_gait.io.jsonio import to_jsonable
    from rl_gait.predict.predict import HEALTHY_CONTROL_DIR, load_predictions
    from rl_gait.report import figures as fig

    run = Path(run_dir)
    out = Path(out_path) if out_path else run / "report.html"
    trial_json = load_document(run / "trial" / "trial.json", "trial")
    doc = load_predictions(run / "predictions")
    healthy_dir = run / "predictions" / HEALTHY_CONTROL_DIR
    healthy = load_predictions(healthy_dir) if (healthy_dir / "predictions.json").is_file() else None
    with np.load(run / "predictions" / "curves.npz", allow_pickle=False) as z:
        curves = {k: z[k] for k in z.files}
    trial = GaitTrial.load(run / "trial")
    gps = to_jsonable(gait_profile_score(trial))  # the atlas's score of the level walk (not in trial.json)
    measured = dict(zip(trial.joint_names, trial.curves_mean_rad, strict=True))
    png = "image/png"
    figures = {"fidelity": data_uri(fig.fidelity_figure(measured, curves.get("level__sim_rad"), trial.estimated_joints),
                                    png),
               "success": data_uri(fig.success_figure(doc), png)}
    if gps.get("gvs"):
        figures["gps"] = data_uri(fig.gps_figure(gps["gvs"], gps), png)
    figures |= frontal_figures(doc, trial, curves)
    shown = [(fam, _shown_level(f)) for fam, f in doc["families"].items()]
    task_figures = [
        {"task": lv["task"], "src": data_uri(fig.task_curves_figure(
            f"{lv['task']} ({lv['verdict']})", curves[f"{lv['task']}__sim_rad"], curves[f"{lv['task']}__atlas_rad"],
            curves.get(f"{lv['task']}__reference_rad")), png)}
        for _, lv in shown if f"{lv['task']}__sim_rad" in curves]
    ckpt = checkpoint or doc.get("checkpoint")
    gifs = _gifs(ckpt, trial, shown, gif_seconds) if ckpt else None
    page = render_report(trial_json, doc, gps=gps, figures=figures, task_figures=task_figures, gifs=gifs,
                         healthy=healthy)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def frontal_figures(doc: dict[str, Any], trial, curves: dict[str, np.ndarray]) -> dict[str, str]:
    """The level walk's frontal-plane figures (data URIs), measured vs the 3D twin, for a ``doc`` on the 3D body only:
    ``pelvic_obliquity`` where ``trial`` (a :class:`~rl_gait.ingest.GaitTrial`) measured it, ``hip_adduction`` where
    it measured a hip (``trial.frontal_curves_mean_rad``: each hip over its own strides); the simulated curves are
    ``curves``' (``curves.npz``) ``level__pelvic_obliquity_sim_rad`` and ``level__hip_adduction_{r,l}_sim_rad``,
    not drawn where missing (the twin completed no stride). ``{}`` for the planar body."""
    from rl_gait.report import figures as fig

    if doc.get("body_model") != "3d":
        return {}
    names = tuple(getattr(trial, "frontal_names", ()) or ())
    measured = {n: trial.frontal_curves_mean_rad[names.index(n)] for n in names}
    out = {}
    if "pelvic_obliquity" in measured:
        out["pelvic_obliquity"] = data_uri(fig.pelvic_obliquity_figure(
            measured["pelvic_obliquity"], curves.get("level__pelvic_obliquity_sim_rad")), "image/png")
    hips = {s: measured[f"hip_adduction_{s}"] for s in ("r", "l") if f"hip_adduction_{s}" in measured}
    if hips:
        simulated = {s: curves[f"level__hip_adduction_{s}_sim_rad"] for s in ("r", "l")
                     if f"level__hip_adduction_{s}_sim_rad" in curves}
        out["hip_adduction"] = data_uri(fig.hip_adduction_figure(hips, simulated), "image/png")
    return out


def _shown_level(family: dict[str, Any]) -> dict[str, Any]:
    """The level shown for a family: its highest recommended level, else its easiest."""
    label = family["highest_recommended_level"]
    return next((lv for lv in family["levels"] if lv["difficulty_label"] == label), family["levels"][0])


def _gifs(checkpoint: str | Path, trial, shown: list[tuple[str, dict]], seconds: float) -> list[dict[str, str]]:
    from rl_gait.learner import load_policy
    from rl_gait.learner.checkpoint import env_config_from_sidecar
    from rl_gait.reference import reference_for
    from rl_gait.report.gif import render_gif
    from rl_gait.tasks import Task

    policy = load_policy(checkpoint)
    env_config = env_config_from_sidecar(policy.meta)
    out = []
    for fam, lv in shown:
        task = Task.from_dict(lv["task_spec"])
        gif = render_gif(policy, env_config=env_config, task=task, reference=reference_for(trial, task),
                         seconds=seconds)
        out.append({"family": fam, "task": lv["task"], "level": lv["difficulty_label"], "verdict": lv["verdict"],
                    "src": data_uri(gif, "image/gif")})
    return out
