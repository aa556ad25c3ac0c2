"""The report is rendered by an autoescaping template: text from any input file comes out as text."""

from __future__ import annotations

import re

from rl_gait.report.html import fmt, render_report

EVIL = '<script>alert("x")</script>'


def _inputs(tag: str):
    trial = {"subject_id": f"{tag}subject", "paretic_side": f"{tag}side", "paretic_confidence": 0.9,
             "speed_m_s": None, "cadence_steps_per_min": 100.0, "stance_pct": {"r": 60.0, "l": 55.0},
             "peak_knee_flexion_deg": {"r": 55.0}, "n_strides": {"r": 10, "l": 9},
             "stride_length_m": 1.1,
             "stride_length_source": f"{tag}source", "measured_joints": [f"{tag}measured"],
             "estimated_joints": [f"{tag}estimated"], "estimate_sd_deg": {f"{tag}estimated": 3.0},
             "paretic_evidence": [{"what": f"{tag}what", "symmetry_pct": 12.0, "points_to": f"{tag}points",
                                   "score": 0.5, "weight": 2.0}],
             "spatiotemporal": {"stride_length_zupt_m": 1.15, "stride_length_zupt_vs_speed_pct": 4.5},
             "pelvic_obliquity_range_deg": 9.5, "hip_abduction_range_deg": {"r": 12.0, "l": None}}
    metrics = {k: 1.0 for k in ("speed_m_s", "cadence_steps_per_min", "step_length_m_r", "step_length_m_l",
                                "stance_pct_r", "stance_pct_l", "symmetry_step_length_pct", "trunk_sway_deg")}
    metrics["step_length_m_l"] = None  # undefined: shown as a dash
    level = {"task": f"{tag}task", "difficulty_label": f"{tag}label", "verdict": f"{tag}verdict", "success_rate": 0.5,
             "success_ci95": [0.2, 0.8], "falls": 1, "fall_phase_pct": [12.0], "metrics": metrics,
             "toe_clearance_for_verdict_m": 0.03, "speed_m_s_successful": 0.9, "extrapolation": f"{tag}extra",
             "speed_check": {"ratio_to_level": 1.5, "limit": 1.2, "within": False},
             "strategies": {"step_over_step": {"evaluated": True, "trained": True, "successes": 1, "n_rollouts": 2,
                                               "falls": 1, "verdict": f"{tag}sverdict", "leading_side": f"{tag}lead"},
                            "step_to": {"evaluated": False, "trained": False}}}
    doc = {"patient_id": f"{tag}patient", "settings": {"n_rollouts": 4}, "body_model": f"{tag}body",
           "thresholds": {"safe_success_ci_low": 0.8, "safe_max_fall_rate": 0.0, "safe_min_toe_clearance_m": 0.01,
                          "supervised_success_rate": 0.5, "supervised_max_fall_rate": 0.2},
           "subject": "patient", "evidence": None,
           "families": {"stairs_up": {"verdict": f"{tag}stverdict", "highest_safe_level": None,
                                      "highest_recommended_level": None, "levels": [level]},
                        f"{tag}family": {"verdict": f"{tag}fverdict", "highest_safe_level": f"{tag}safe",
                                         "highest_recommended_level": f"{tag}rec", "levels": [level]}}}
    figures = {"fidelity": "data:image/png;base64,AAAA", "success": "data:image/png;base64,BBBB"}
    task_figures = [{"task": f"{tag}tf", "src": "data:image/png;base64,CCCC"}]
    gifs = [{"family": f"{tag}gfam", "task": f"{tag}gtask", "level": f"{tag}glevel", "verdict": f"{tag}gverdict",
             "src": "data:image/gif;base64,DDDD"}]
    healthy = {**doc, "subject": "healthy_control", "body": {"height_m": 1.7, "mass_kg": 70.0},
               "body_model": f"{tag}hbody"}
    gps = {"overall": 8.0, "r": 7.0, "l": 9.0}  # the atlas's score, computed by build_report
    return trial, doc, dict(gps=gps, figures=figures, task_figures=task_figures, gifs=gifs, healthy=healthy)


def test_markup_in_every_text_field_comes_out_escaped():
    trial, doc, extra = _inputs(EVIL)
    page = render_report(trial, doc, **extra)
    assert "<script>" not in page and 'alert("x")' not in page
    # every field is there, as text
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    fields = ("subject", "side", "task", "label", "verdict", "family", "fverdict", "safe", "rec", "tf", "gfam",
              "gtask", "glevel", "gverdict", "patient", "source", "measured", "estimated", "what", "points",
              "sverdict", "lead", "stverdict", "extra", "body", "hbody")
    for name in fields:
        assert escaped + name in page or escaped.replace("_", " ") + name in page, name
    # the page's own markup is intact: only the template's tags
    tags = set(re.findall(r"<([a-z0-9]+)[\s>]", page))
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "tr", "th", "td",
                    "span", "img", "div", "figure", "figcaption"}


def test_a_plain_report_renders_numbers_and_dashes():
    trial, doc, extra = _inputs("")
    page = render_report(trial, doc, **{**extra, "gifs": None, "healthy": None})
    assert "patient" in page and "Simulated gait</h2>" not in page  # no GIF section without a checkpoint
    assert "healthy control</h2>" not in page and "Stair strategies</h2>" in page
    assert "60.0 % / 55.0 %" in page and "55.0° / —°" in page and "100 / —" in page
    assert "foot IMUs: 1.15 m (+4.5 %)" in page  # the foot-IMU stride beside a given speed's
    assert fmt(float("nan")) == fmt(None) == fmt("x") == "—" and fmt(1.234, 2, " m") == "1.23 m"
