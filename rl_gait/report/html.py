"""``build_report(run_dir)``: the clinician's self-contained ``report.html`` from a main-job folder.

Reads ``trial/trial.json`` + ``trial.npz`` (ingestion), ``predictions/predictions.json`` + ``curves.npz``
(predict) and the final checkpoint (for the GIFs). Every image is embedded as base64, so the file opens
offline, on any machine, without the run folder.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from rl_gait._version import __version__

_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;
color:#222;background:#fff}h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:.92em}
th{background:#f3f3f3}.safe{background:#c8e6c9}.supervised{background:#fff59d}.not-recommended{background:#ffcdd2}
.note{color:#555;font-size:.9em}.gifs{display:flex;flex-wrap:wrap;gap:12px}.gifs figure{margin:0}
figcaption{font-size:.85em;color:#444}img{max-width:100%}"""


def _img(data: bytes, mime: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:{mime};base64,{base64.b64encode(data).decode()}">'


def _fmt(x: Any, nd: int = 1, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    return f"{x:.{nd}f}{unit}"


def patient_section(trial_json: dict[str, Any]) -> str:
    s = trial_json
    rows = [
        ("subject", html.escape(str(s["subject_id"]))),
        ("paretic side", f"{s['paretic_side']} (confidence {_fmt(s['paretic_confidence'], 2)})"),
        ("speed", _fmt(s.get("speed_m_s"), 2, " m/s")),
        ("cadence", _fmt(s.get("cadence_steps_per_min"), 0, " steps/min")),
        ("stance right / left", f"{_fmt(s['stance_pct']['r'])} % / {_fmt(s['stance_pct']['l'])} %"),
        ("peak knee flexion right / left",
         f"{_fmt(s['peak_knee_flexion_deg'].get('r'))}° / {_fmt(s['peak_knee_flexion_deg'].get('l'))}°"),
        ("strides used right / left", f"{s['n_strides']['r']} / {s['n_strides']['l']}"),
        ("stride length", _fmt(s.get("stride_length_m"), 2, " m")
         + (f" ({html.escape(str(s['stride_length_source']))})" if s.get("stride_length_source") else "")
         + _zupt_note(s.get("spatiotemporal") or {})),
        ("joints measured", ", ".join(s.get("measured_joints", s["joint_names"])) or "none"),
    ]
    if s.get("estimated_joints"):
        sd = s.get("estimate_sd_deg") or {}
        rows.append(("joints estimated (± uncertainty, 1 SD)", ", ".join(
            f"{j} (±{_fmt(sd.get(j))}°)" for j in s["estimated_joints"])
            + " — not measured: estimated from the measured segments and speed; weighted by their uncertainty "
              "in personalization and fidelity"))
    if s.get("paretic_evidence"):
        rows.append(("paretic-side evidence", "; ".join(
            f"{html.escape(e['what'])}: SI {_fmt(e['symmetry_pct'], 0)} % → {e['points_to']} (score "
            f"{_fmt(e['score'], 2)}, weight {_fmt(e['weight'], 0)})" for e in s["paretic_evidence"])))
    gps = s.get("gait_profile_score_deg") or {}
    if gps:
        rows.append(("Gait Profile Score (overall / right / left)",
                     f"{_fmt(gps.get('overall'))}° / {_fmt(gps.get('r'))}° / {_fmt(gps.get('l'))}°"))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<h2>Patient summary (level walk)</h2><table>{body}</table>"


def _zupt_note(sp: dict[str, Any]) -> str:
    """The foot-IMU stride length beside a given speed's (on a treadmill: belt speed × stride time)."""
    z, d = sp.get("stride_length_zupt_m"), sp.get("stride_length_zupt_vs_speed_pct")
    if z is None or d is None:
        return ""
    return f"; foot IMUs: {_fmt(z, 2, ' m')} ({d:+.1f} %)"


def verdict_table(doc: dict[str, Any]) -> str:
    head = ("<tr><th>task</th><th>verdict</th><th>highest safe level</th><th>highest level with supervision</th>"
            "<th>levels: success % [95% CI], falls</th></tr>")
    rows = []
    for fam, f in doc["families"].items():
        cells = " ".join(
            f'<span class="{lv["verdict"].replace(" ", "-")}">&nbsp;{html.escape(lv["difficulty_label"])}: '
            f'{100 * lv["success_rate"]:.0f}% [{100 * lv["success_ci95"][0]:.0f}–{100 * lv["success_ci95"][1]:.0f}]'
            f', {lv["falls"]}{" (step-to)" if lv.get("best_strategy") == "step_to" else ""}&nbsp;</span>'
            for lv in f["levels"])
        rows.append(f'<tr><td>{fam.replace("_", " ")}</td><td class="{f["verdict"].replace(" ", "-")}">'
                    f'{f["verdict"]}</td><td>{f["highest_safe_level"] or "—"}</td>'
                    f'<td>{f["highest_recommended_level"] or "—"}</td><td>{cells}</td></tr>')
    t = doc["thresholds"]
    from rl_gait.predict.table import evidence_line

    note = (f'<p class="note">Safe: lower 95% bound of success ≥ {t["safe_success_ci_low"]:.2f}, falls ≤ '
            f'{100 * t["safe_max_fall_rate"]:.0f}%, toe clearance ≥ {100 * t["safe_min_toe_clearance_m"]:.0f} cm. '
            f'Supervised: success ≥ {100 * t["supervised_success_rate"]:.0f}% and falls ≤ '
            f'{100 * t["supervised_max_fall_rate"]:.0f}%. {doc["settings"]["n_rollouts"]} seeded rollouts per level '
            f'with small pushes and start-pose noise. What they can show: {html.escape(evidence_line(doc))} They '
            f'describe the simulated body under these perturbations, not the person\'s clinical risk.</p>')
    return f"<h2>Task verdicts</h2><table>{head}{''.join(rows)}</table>{note}"


def strategies_table(doc: dict[str, Any]) -> str:
    """Per stair level: step-over-step and step-to (success, falls, verdict, speed), and which the verdict uses."""
    rows = []
    for fam in ("stairs_up", "stairs_down"):
        for lv in (doc["families"].get(fam) or {}).get("levels", []):
            cells = []
            for name in ("step_over_step", "step_to"):
                st = (lv.get("strategies") or {}).get(name)
                if st is None or not st["evaluated"]:
                    cells.append("<td>not evaluated: policy not trained on it</td>")
                    continue
                mark = "" if st["trained"] else " — policy not trained on it, not used"
                lead = f", {st['leading_side']} leg first" if st.get("leading_side") else ""
                cells.append(f'<td class="{st["verdict"].replace(" ", "-")}">{st["successes"]}/{st["n_rollouts"]}, '
                             f'{st["falls"]} falls, {st["verdict"]}{lead}{mark}</td>')
            best = (lv.get("best_strategy") or "step_over_step").replace("_", "-")
            rows.append(f"<tr><td>{lv['task']}</td>{''.join(cells)}<td>{best}</td></tr>")
    if not rows:
        return ""
    head = ("<tr><th>stairs</th><th>step-over-step</th><th>step-to (up: non-paretic leg first; down: paretic leg "
            "first)</th><th>verdict uses</th></tr>")
    note = ('<p class="note">Step-to: both feet on every tread, the same leg first (rl_gait.reference.step_to). '
            'A strategy is rolled out only with a policy trained on its references; no handrail is simulated.</p>')
    return f"<h2>Stair strategies</h2><table>{head}{''.join(rows)}</table>{note}"


def healthy_control_table(doc: dict[str, Any], healthy: dict[str, Any]) -> str:
    """The patient beside the healthy control (same levels, rollouts and seeds; a healthy body of the patient's
    size walking the healthy atlas references with the shipped prior): success, verdict and speed per level."""
    head = ("<tr><th>task</th><th>patient: success % (verdict)</th><th>patient speed m/s (× level)</th>"
            "<th>healthy control: success % (verdict)</th><th>healthy speed m/s (× level)</th></tr>")
    rows = []
    for fam, f in doc["families"].items():
        other = {lv["task"]: lv for lv in healthy["families"].get(fam, {}).get("levels", [])}
        for lv in f["levels"]:
            h = other.get(lv["task"])
            cells = []
            for x in (lv, h):
                if x is None:
                    cells += ["<td>—</td>", "<td>—</td>"]
                    continue
                cls = x["verdict"].replace(" ", "-")
                cells += [f'<td class="{cls}">{100 * x["success_rate"]:.0f}% ({x["verdict"]})</td>',
                          f'<td>{_speed_cell(x)}</td>']
            rows.append(f"<tr><td>{lv['task']}</td>{''.join(cells)}</tr>")
    limits = {d.get("subject"): next((lv["speed_check"]["limit"] for f in d["families"].values() for lv in f["levels"]
                                      if "speed_check" in lv), None) for d in (doc, healthy)}
    b = healthy.get("body") or {}
    note = ('<p class="note">Healthy control: the shipped healthy prior (rl_gait/data/atlas_policy) walking a healthy '
            f'body of the patient\'s size ({_fmt(b.get("height_m"), 2, " m")}, {_fmt(b.get("mass_kg"), 0, " kg")}) on the '
            'healthy atlas references (comfortable speed, literature task priors). Where the control fails too, the '
            'simulation, not the patient, limits that level: read the patient\'s verdict there as unknown. Speeds are '
            'the mean of the successful rollouts; on descents and stairs a person walks no faster than on level '
            f'ground: ⚠ marks a level faster than {_fmt(limits.get("patient"), 2)} × (patient) or '
            f'{_fmt(limits.get("healthy_control"), 2)} × (control) the level speed.</p>')
    return f"<h2>Patient beside a healthy control</h2><table>{head}{''.join(rows)}</table>{note}"


def _speed_cell(level: dict[str, Any]) -> str:
    """Mean speed of a level's successful rollouts, with its ratio to the level walk's and ⚠ over the limit."""
    v = level.get("speed_m_s_successful")
    chk = level.get("speed_check") or {}
    ratio = chk.get("ratio_to_level")
    flag = " ⚠" if chk.get("within") is False else ""
    return _fmt(v, 2) + (f" ({ratio:.2f}×{flag})" if ratio is not None else "")


def metrics_table(doc: dict[str, Any]) -> str:
    head = ("<tr><th>task</th><th>speed m/s</th><th>cadence</th><th>step R/L cm</th><th>stance R/L %</th>"
            "<th>SI step %</th><th>min toe clearance cm</th><th>trunk sway °</th><th>falls at gait %</th></tr>")
    rows = []
    for f in doc["families"].values():
        for lv in f["levels"]:
            m = lv["metrics"]
            sl = [m["step_length_m_r"], m["step_length_m_l"]]
            clear = lv.get("toe_clearance_for_verdict_m")
            extra = (f' <span title="{html.escape(lv["extrapolation"])}">(extrapolation)</span>'
                     if lv.get("extrapolation") else "")
            rows.append(
                f"<tr><td>{lv['task']}{extra}</td><td>{_fmt(m['speed_m_s'], 2)}</td><td>{_fmt(m['cadence_steps_per_min'], 0)}"
                f"</td><td>{_fmt(sl[0] and 100 * sl[0], 0)} / {_fmt(sl[1] and 100 * sl[1], 0)}</td>"
                f"<td>{_fmt(m['stance_pct_r'], 0)} / {_fmt(m['stance_pct_l'], 0)}</td>"
                f"<td>{_fmt(m['symmetry_step_length_pct'], 0)}</td><td>{_fmt(clear and 100 * clear, 1)}</td>"
                f"<td>{_fmt(m['trunk_sway_deg'])}</td>"
                f"<td>{', '.join(f'{p:.0f}' for p in lv['fall_phase_pct']) or '—'}</td></tr>")
    outside = [lv["task"] for f in doc["families"].values() for lv in f["levels"] if lv.get("extrapolation")]
    note = ('<p class="note">Extrapolation — outside the published healthy data behind the task priors (slopes '
            'steeper than 9°, staircases inclined outside 24–42°; docs/task_plausibility.md): '
            f'{html.escape(", ".join(outside)) or "none"}. There the healthy reference is the priors\' linear '
            'extension, not data.</p>')
    return f"<h2>Simulated gait per task</h2><table>{head}{''.join(rows)}</table>{note}"


def build_report(run_dir: str | Path, out_path: str | Path | None = None, *, checkpoint: str | Path | None = None,
                 gif_seconds: float = 4.0) -> Path:
    """Write ``report.html`` for the main-job folder ``run_dir`` (see the module docstring)."""
    from rl_gait.errors import InputFormatError
    from rl_gait.predict.predict import HEALTHY_CONTROL_DIR, load_predictions
    from rl_gait.report import figures as fig

    run = Path(run_dir)
    out = Path(out_path) if out_path else run / "report.html"
    trial_json_path = run / "trial" / "trial.json"
    if not trial_json_path.is_file():
        raise InputFormatError("trial.json not found", path=trial_json_path, fix="run the ingest stage first")
    trial_json = json.loads(trial_json_path.read_text())
    doc = load_predictions(run / "predictions")
    with np.load(run / "predictions" / "curves.npz") as z:
        curves = {k: z[k] for k in z.files}
    from rl_gait.ingest import GaitTrial

    trial = GaitTrial.load(run / "trial")
    measured = dict(zip(trial.joint_names, trial.curves_mean_rad, strict=True))
    parts = [f"<h1>Predicted walking on slopes and stairs — {html.escape(doc['patient_id'])}</h1>",
             '<p class="note">Physics-simulated predictions from one level-ground IMU walk (rl_gait '
             f'{__version__}). A decision aid for the treating clinician, not a substitute for clinical '
             'assessment.</p>', patient_section(trial_json)]
    gps = trial_json.get("gait_profile_score_deg") or {}
    if gps.get("gvs"):
        parts.append(_img(fig.gps_figure(gps["gvs"], gps), "image/png", "gait profile score"))
    parts.append("<h2>Level-walk fidelity</h2>")
    parts.append(_img(fig.fidelity_figure(measured, curves.get("level__sim_rad"), trial.estimated_joints), "image/png", "fidelity"))
    parts.append(verdict_table(doc))
    parts.append(strategies_table(doc))
    healthy_dir = run / "predictions" / HEALTHY_CONTROL_DIR
    if (healthy_dir / "predictions.json").is_file():
        parts.append(healthy_control_table(doc, load_predictions(healthy_dir)))
    parts.append(_img(fig.success_figure(doc), "image/png", "success vs difficulty"))
    parts.append(metrics_table(doc))
    parts.append("<h2>Joint curves per task vs the healthy atlas</h2>")
    shown = []
    for fam, f in doc["families"].items():
        lv = _shown_level(f)
        shown.append((fam, lv))
        key = lv["task"]
        if f"{key}__sim_rad" in curves:
            parts.append(_img(fig.task_curves_figure(f"{key} ({lv['verdict']})", curves[f"{key}__sim_rad"],
                                                     curves[f"{key}__atlas_rad"], curves.get(f"{key}__reference_rad")),
                              "image/png", key))
    ckpt = checkpoint or doc.get("checkpoint")
    if ckpt:
        parts.append("<h2>Simulated gait</h2><div class='gifs'>")
        parts += _gifs(ckpt, trial, shown, gif_seconds)
        parts.append("</div>")
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>rl_gait report — "
            f"{html.escape(doc['patient_id'])}</title><style>{_CSS}</style></head><body>{''.join(parts)}"
            "</body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def _shown_level(family: dict[str, Any]) -> dict[str, Any]:
    """The level shown for a family: its highest recommended level, else its easiest."""
    label = family["highest_recommended_level"]
    return next((lv for lv in family["levels"] if lv["difficulty_label"] == label), family["levels"][0])


def _gifs(checkpoint: str | Path, trial, shown: list[tuple[str, dict]], seconds: float) -> list[str]:
    from rl_gait.learner import load_policy
    from rl_gait.learner.checkpoint import sidecar_body, sidecar_env_options
    from rl_gait.reference import reference_for
    from rl_gait.report.gif import render_gif
    from rl_gait.tasks import Task

    policy = load_policy(checkpoint)
    body, pd = sidecar_body(policy.meta)
    out = []
    for fam, lv in shown:
        task = Task.from_dict(lv["task_spec"])
        gif = render_gif(policy, body=body, pd=pd, task=task, reference=reference_for(trial, task), seconds=seconds,
                          env_options=sidecar_env_options(policy.meta))
        out.append(f"<figure>{_img(gif, 'image/gif', lv['task'])}<figcaption>{fam.replace('_', ' ')}: "
                   f"{html.escape(lv['difficulty_label'])} — {lv['verdict']}</figcaption></figure>")
    return out
