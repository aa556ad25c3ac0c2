"""The versioned JSON Schema of ``predictions.json`` (``rl_gait.predictions/1``).

Version policy: adding optional keys keeps the version; renaming or removing a key, or changing a
unit, bumps it (``rl_gait.predictions/2``) together with this schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rl_gait.errors import InputFormatError

_NUM = {"type": ["number", "null"]}
_JOINT = {
    "type": "object",
    "required": ["peak_angle_deg", "peak_torque_nm", "patient_level_peak_angle_deg", "atlas_peak_angle_deg"],
    "properties": {k: _NUM for k in ("peak_angle_deg", "peak_torque_nm", "patient_level_peak_angle_deg",
                                     "atlas_peak_angle_deg", "sim_level_peak_angle_deg")},
}
_VERDICT = {"enum": ["safe", "supervised", "not recommended"]}
_LEVEL = {
    "type": "object",
    "required": ["task", "task_spec", "difficulty", "difficulty_label", "n_rollouts", "successes", "falls",
                 "success_rate", "success_ci95", "fall_rate", "fall_phase_pct", "metrics", "joints", "verdict"],
    "properties": {
        "task": {"type": "string"},
        "task_spec": {"type": "object", "required": ["terrain"]},
        "difficulty": {"type": "number", "minimum": 0},
        "difficulty_label": {"type": "string"},
        "n_rollouts": {"type": "integer", "minimum": 1},
        "successes": {"type": "integer", "minimum": 0},
        "falls": {"type": "integer", "minimum": 0},
        "success_rate": {"type": "number", "minimum": 0, "maximum": 1},
        "success_ci95": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1},
                         "minItems": 2, "maxItems": 2},
        "fall_rate": {"type": "number", "minimum": 0, "maximum": 1},
        "fall_phase_pct": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 100}},
        "metrics": {
            "type": "object",
            "required": ["speed_m_s", "cadence_steps_per_min", "step_length_m_r", "step_length_m_l", "stance_pct_r",
                         "stance_pct_l", "symmetry_step_length_pct", "symmetry_stance_pct", "min_toe_clearance_m",
                         "trunk_sway_deg"],
            "additionalProperties": _NUM,
        },
        "edge_clearance_m": {"type": ["array", "null"], "items": _NUM},
        "toe_clearance_for_verdict_m": _NUM,
        "speed_m_s_successful": _NUM,
        "best_strategy": {"enum": ["step_over_step", "step_to"]},
        "extrapolation": {"type": ["string", "null"]},
        "strategies": {
            "type": "object", "minProperties": 1, "propertyNames": {"enum": ["step_over_step", "step_to"]},
            "additionalProperties": {
                "type": "object", "required": ["evaluated", "trained"],
                "properties": {"evaluated": {"type": "boolean"}, "trained": {"type": "boolean"},
                               "note": {"type": "string"}, "leading_side": {"enum": ["right", "left", None]},
                               "successes": {"type": "integer", "minimum": 0},
                               "falls": {"type": "integer", "minimum": 0},
                               "success_rate": {"type": "number", "minimum": 0, "maximum": 1},
                               "verdict": _VERDICT},
                "if": {"properties": {"evaluated": {"const": True}}},
                "then": {"required": ["n_rollouts", "successes", "falls", "success_rate", "verdict", "metrics"]},
            },
        },
        "speed_check": {"type": "object", "required": ["ratio_to_level", "limit", "within"],
                        "properties": {"ratio_to_level": _NUM, "limit": {"type": "number"},
                                       "within": {"type": ["boolean", "null"]}}},
        "joints": {"type": "object", "required": ["hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l"],
                   "additionalProperties": _JOINT},
        "verdict": _VERDICT,
    },
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://rl-gait/schemas/predictions-1.json",
    "title": "rl_gait task predictions",
    "type": "object",
    "required": ["schema", "package_version", "patient_id", "settings", "thresholds", "joint_names", "families"],
    "properties": {
        "schema": {"const": "rl_gait.predictions/1"},
        "package_version": {"type": "string"},
        "patient_id": {"type": "string"},
        "subject": {"enum": ["patient", "healthy_control"]},
        "body": {"type": "object", "required": ["height_m", "mass_kg"],
                 "properties": {"height_m": {"type": "number", "exclusiveMinimum": 0},
                                "mass_kg": {"type": "number", "exclusiveMinimum": 0}}},
        "checkpoint": {"type": "string"},
        "settings": {"type": "object", "required": ["n_rollouts", "seed", "perturbations"]},
        "thresholds": {"type": "object"},
        "evidence": {"type": "object", "required": ["n_rollouts", "can_certify_safe", "min_rollouts_for_safe",
                                                    "successes_needed_for_safe"]},
        "joint_names": {"type": "array", "items": {"type": "string"}, "minItems": 6, "maxItems": 6},
        "patient_level_walk": {"type": ["object", "null"]},
        "families": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"enum": ["level", "slope_up", "slope_down", "stairs_up", "stairs_down"]},
            "additionalProperties": {
                "type": "object",
                "required": ["verdict", "highest_safe_level", "highest_recommended_level", "levels"],
                "properties": {
                    "verdict": _VERDICT,
                    "highest_safe_level": {"type": ["string", "null"]},
                    "highest_recommended_level": {"type": ["string", "null"]},
                    "levels": {"type": "array", "minItems": 1, "items": _LEVEL},
                },
            },
        },
    },
}


def validate(doc: dict[str, Any], path: str | Path | None = None) -> None:
    """Raise :class:`InputFormatError` (one line) if ``doc`` does not follow :data:`SCHEMA`."""
    import jsonschema

    try:
        jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise InputFormatError(f"predictions do not follow {SCHEMA['properties']['schema']['const']} at {where}: "
                               f"{err.message[:200]}", path=path,
                               fix="regenerate them with `rl-gait predict` of this version") from None
