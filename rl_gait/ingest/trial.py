"""``GaitTrial``: the validated kinematics of one walking trial — the output of ingestion.

CONTRACT (other stages rely on these field names; extend, do not rename):
all angles in radians with the signs of :mod:`rl_gait.joints`; joint names from
:data:`rl_gait.joints.JOINT_NAMES` (only those the sensors allow are present).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rl_gait.errors import InputFormatError
from rl_gait.io.documents import load_document, write_document
from rl_gait.io.jsonio import sha256_file, to_jsonable
from rl_gait.joints import JOINT_NAMES, N_CURVE_POINTS


@dataclass(frozen=True)
class GaitEvents:
    """Gait events of one side, times in seconds from the trial start (ascending)."""

    initial_contact_s: np.ndarray  # [n_ic]
    foot_off_s: np.ndarray  # [n_fo]


@dataclass(frozen=True)
class GaitTrial:
    """One level-ground walking trial.

    Attributes:
        subject_id: pseudonymous id (never a name).
        sample_rate_hz: samples per second of ``time_s``.
        time_s: ``[T]`` sample times in seconds.
        joint_names: available joints, subset of ``JOINT_NAMES`` in that order.
        joint_angles_rad: ``[T, J]`` sagittal joint angles (rad).
        segment_names: e.g. ``("pelvis", "thigh_r", "shank_r", "thigh_l", "shank_l")``.
        segment_quat_wxyz: ``[T, S, 4]`` global segment orientations (scalar first), may be ``[T, 0, 4]``.
        events: ``{"r": GaitEvents, "l": GaitEvents}``.
        strides: ``{"r": [n, 2], "l": [n, 2]}`` start/end times (s) of the strides used, IC to IC.
        curves_mean_rad: ``[J, 101]`` stride-normalised mean curves (phase 0 = that side's IC).
        curves_sd_rad: ``[J, 101]`` between-stride SD; for an estimated joint, the estimate's uncertainty
            band (1 SD of the conditional model, :mod:`rl_gait.ingest.missing_joints`).
        spatiotemporal: scalar parameters with units in the key, e.g. ``cadence_steps_per_min``,
            ``stride_time_s_r``, ``stride_time_s_l``, ``stance_pct_r``, ``stance_pct_l``,
            ``double_support_pct``, ``speed_m_s`` (nan if unknown), ``step_length_m_r`` / ``_l``,
            ``stride_length_m`` (nan if unknown: speed × stride time when the speed is given, else the
            foot-IMU stride length), and with foot IMUs ``stride_length_zupt_m`` (``_r``/``_l``) and, when a
            speed was given, ``stride_length_zupt_vs_speed_pct`` (:mod:`rl_gait.ingest.zupt`).
        symmetry: symmetry indices (%), e.g. ``stance_pct``, ``knee_range``, ``stride_time``.
        paretic_side: ``"left"``, ``"right"`` or ``"none"``.
        paretic_confidence: 0…1.
        height_m, mass_kg: subject anthropometrics when given, else ``None``.
        provenance: input files with sha256, format, reader version, options.
        estimated_joints: joints of ``joint_names`` that no sensor measured, estimated from the measured
            segments and speed (their angles are the estimated mean curve played at the side's gait phase).
        paretic_evidence: the evidence for the paretic side, rows of
            :func:`rl_gait.ingest.paretic.evidence_table`.
        frontal_names: frontal-plane angles measured, subset of
            :data:`rl_gait.ingest.frontal.FRONTAL_NAMES` (``pelvic_obliquity``, ``pelvic_tilt``,
            ``hip_adduction_r``, ``hip_adduction_l``); ``()`` when the sensors allow none.
        frontal_angles_rad: ``[T, K]`` those angles (rad, signs of :mod:`rl_gait.ingest.frontal`).
        frontal_curves_mean_rad: ``[K, 101]`` stride-normalised means (pelvis: right strides; hips: own side).
    """

    subject_id: str
    sample_rate_hz: float
    time_s: np.ndarray
    joint_names: tuple[str, ...]
    joint_angles_rad: np.ndarray
    segment_names: tuple[str, ...]
    segment_quat_wxyz: np.ndarray
    events: dict[str, GaitEvents]
    strides: dict[str, np.ndarray]
    curves_mean_rad: np.ndarray
    curves_sd_rad: np.ndarray
    spatiotemporal: dict[str, float]
    symmetry: dict[str, float]
    paretic_side: str
    paretic_confidence: float
    height_m: float | None = None
    mass_kg: float | None = None
    provenance: dict = field(default_factory=dict)
    estimated_joints: tuple[str, ...] = ()
    paretic_evidence: tuple[dict, ...] = ()
    frontal_names: tuple[str, ...] = ()
    frontal_angles_rad: np.ndarray | None = None
    frontal_curves_mean_rad: np.ndarray | None = None

    def __post_init__(self) -> None:
        t = len(self.time_s)
        problems = []
        if self.joint_angles_rad.shape != (t, len(self.joint_names)):
            problems.append(f"joint_angles_rad {self.joint_angles_rad.shape} != ({t}, {len(self.joint_names)})")
        if self.segment_quat_wxyz.shape != (t, len(self.segment_names), 4):
            problems.append(f"segment_quat_wxyz {self.segment_quat_wxyz.shape} != ({t}, {len(self.segment_names)}, 4)")
        if self.curves_mean_rad.shape != (len(self.joint_names), N_CURVE_POINTS) or \
                self.curves_sd_rad.shape != self.curves_mean_rad.shape:
            problems.append(f"curves {self.curves_mean_rad.shape} != ({len(self.joint_names)}, {N_CURVE_POINTS})")
        if stray := [j for j in self.estimated_joints if j not in self.joint_names]:
            problems.append(f"estimated joints {stray} not in joint_names")
        if unknown := [j for j in self.joint_names if j not in JOINT_NAMES]:
            problems.append(f"unknown joints {unknown}")
        k = len(self.frontal_names)
        if k and (self.frontal_angles_rad is None or self.frontal_angles_rad.shape != (t, k)
                  or self.frontal_curves_mean_rad is None or self.frontal_curves_mean_rad.shape != (k, N_CURVE_POINTS)):
            problems.append(f"frontal angles/curves do not match frontal_names ({k}) and {t} samples")
        if self.paretic_side not in ("left", "right", "none"):
            problems.append(f"paretic_side {self.paretic_side!r}")
        if set(self.events) != {"r", "l"} or set(self.strides) != {"r", "l"}:
            problems.append("events/strides need keys 'r' and 'l'")
        if problems:
            raise ValueError("invalid GaitTrial: " + "; ".join(problems))

    @property
    def measured_joints(self) -> tuple[str, ...]:
        """Joints a sensor (or the file) measured: ``joint_names`` less ``estimated_joints``."""
        return tuple(j for j in self.joint_names if j not in self.estimated_joints)

    def angle(self, joint: str) -> np.ndarray:
        """``[T]`` angle (rad) of ``joint``."""
        return self.joint_angles_rad[:, self.joint_names.index(joint)]

    def summary(self) -> dict:
        """The ``trial.json`` content: headline numbers (degrees at this file edge) and metadata."""
        sp = self.spatiotemporal
        peak_knee = {}
        for s in ("r", "l"):
            if f"knee_{s}" in self.joint_names:
                c = self.curves_mean_rad[self.joint_names.index(f"knee_{s}")]
                peak_knee[s] = round(float(np.degrees(np.nanmax(c))), 2) if np.isfinite(c).any() else None
        ranges = {j: round(float(np.degrees(np.nanmax(c) - np.nanmin(c))), 2)
                  for j, c in zip(self.joint_names, self.curves_mean_rad, strict=True) if np.isfinite(c).any()}
        return to_jsonable({
            "subject_id": self.subject_id,
            "sample_rate_hz": self.sample_rate_hz,
            "duration_s": float(self.time_s[-1] - self.time_s[0]) if len(self.time_s) else 0.0,
            "joint_names": list(self.joint_names),
            "measured_joints": list(self.measured_joints),
            "estimated_joints": list(self.estimated_joints),
            "estimate_sd_deg": {j: round(float(np.degrees(np.sqrt(np.mean(
                self.curves_sd_rad[self.joint_names.index(j)] ** 2)))), 2) for j in self.estimated_joints},
            "segment_names": list(self.segment_names),
            "n_strides": {s: int(len(self.strides[s])) for s in ("r", "l")},
            "cadence_steps_per_min": sp.get("cadence_steps_per_min"),
            "stride_time_s": {s: sp.get(f"stride_time_s_{s}") for s in ("r", "l")},
            "stance_pct": {s: sp.get(f"stance_pct_{s}") for s in ("r", "l")},
            "double_support_pct": sp.get("double_support_pct"),
            "speed_m_s": sp.get("speed_m_s"),
            "stride_length_m": sp.get("stride_length_m"),
            "stride_length_source": self.provenance.get("stride_length_source"),
            "peak_knee_flexion_deg": peak_knee,
            "range_of_motion_deg": ranges,
            "frontal_names": list(self.frontal_names),
            "pelvic_obliquity_range_deg": self._frontal_range_deg("pelvic_obliquity"),
            "hip_abduction_range_deg": {s: self._frontal_range_deg(f"hip_adduction_{s}") for s in ("l", "r")},
            "paretic_side": self.paretic_side,
            "paretic_confidence": self.paretic_confidence,
            "paretic_evidence": list(self.paretic_evidence),
            "spatiotemporal": self.spatiotemporal,
            "symmetry_pct": self.symmetry,
            "height_m": self.height_m,
            "mass_kg": self.mass_kg,
            "provenance": self.provenance,
        })

    def _frontal_range_deg(self, name: str) -> float | None:
        """Range (max − min) of the stride-mean curve of a frontal angle, degrees (``None`` if not measured)."""
        if name not in self.frontal_names:
            return None
        c = self.frontal_curves_mean_rad[self.frontal_names.index(name)]
        return round(float(np.degrees(np.nanmax(c) - np.nanmin(c))), 2) if np.isfinite(c).any() else None

    def save(self, directory: str | Path) -> Path:
        """Write ``trial.npz`` (arrays) and ``trial.json`` (summary + everything non-array); returns the dir."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        arrays = {
            "time_s": self.time_s, "joint_angles_rad": self.joint_angles_rad,
            "segment_quat_wxyz": self.segment_quat_wxyz, "curves_mean_rad": self.curves_mean_rad,
            "curves_sd_rad": self.curves_sd_rad,
        }
        if self.frontal_names:
            arrays["frontal_angles_rad"] = self.frontal_angles_rad
            arrays["frontal_curves_mean_rad"] = self.frontal_curves_mean_rad
        for s in ("r", "l"):
            arrays[f"initial_contact_s_{s}"] = self.events[s].initial_contact_s
            arrays[f"foot_off_s_{s}"] = self.events[s].foot_off_s
            arrays[f"strides_s_{s}"] = np.asarray(self.strides[s], float).reshape(-1, 2)
        np.savez_compressed(d / "trial.npz", **arrays)
        summary = self.summary()  # the gait profile score is the atlas's (rl_gait.atlas.gait_profile_score)
        summary["npz_sha256"] = sha256_file(d / "trial.npz")
        write_document(d / "trial.json", "trial", summary)
        return d

    @classmethod
    def load(cls, directory: str | Path) -> GaitTrial:
        """Read a trial written by :meth:`save`: ``trial.json`` is validated against its schema
        (:mod:`rl_gait.io.documents`), ``trial.npz`` against the hash recorded in it; anything wrong is a
        one-line :class:`~rl_gait.errors.InputFormatError` naming the file and the field."""
        d = Path(directory)
        fix = "re-ingest the recording with `rl-gait ingest --out DIR`"
        meta = load_document(d / "trial.json", "trial")
        _check_headline_numbers(meta, d / "trial.json")
        npz = d / "trial.npz"
        if not npz.is_file():
            raise InputFormatError("trial.npz missing beside trial.json", path=d, fix=fix)
        if "npz_sha256" in meta and sha256_file(npz) != meta["npz_sha256"]:
            raise InputFormatError("trial.npz does not match the npz_sha256 recorded in trial.json (altered?)",
                                   path=npz, fix=fix)
        try:
            with np.load(npz, allow_pickle=False) as z:
                a = {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError) as err:  # zip/npy damage
            raise InputFormatError(f"trial.npz is unreadable ({type(err).__name__})", path=npz, fix=fix) from None
        nan = float("nan")
        try:
            events = {s: GaitEvents(a[f"initial_contact_s_{s}"], a[f"foot_off_s_{s}"]) for s in ("r", "l")}
            return cls(
                subject_id=meta["subject_id"], sample_rate_hz=float(meta["sample_rate_hz"]), time_s=a["time_s"],
                joint_names=tuple(meta["joint_names"]), joint_angles_rad=a["joint_angles_rad"],
                segment_names=tuple(meta["segment_names"]), segment_quat_wxyz=a["segment_quat_wxyz"],
                events=events, strides={s: a[f"strides_s_{s}"] for s in ("r", "l")},
                curves_mean_rad=a["curves_mean_rad"], curves_sd_rad=a["curves_sd_rad"],
                spatiotemporal={k: (nan if v is None else float(v)) for k, v in meta["spatiotemporal"].items()},
                symmetry={k: (nan if v is None else float(v)) for k, v in meta["symmetry_pct"].items()},
                paretic_side=meta["paretic_side"], paretic_confidence=float(meta["paretic_confidence"]),
                height_m=meta.get("height_m"), mass_kg=meta.get("mass_kg"), provenance=meta.get("provenance", {}),
                estimated_joints=tuple(meta.get("estimated_joints", ())),
                paretic_evidence=tuple(meta.get("paretic_evidence", ())),
                frontal_names=tuple(meta.get("frontal_names", ())), frontal_angles_rad=a.get("frontal_angles_rad"),
                frontal_curves_mean_rad=a.get("frontal_curves_mean_rad"),
            )
        except KeyError as err:
            raise InputFormatError(f"trial.npz lacks the array {err.args[0]!r}", path=npz, fix=fix) from None
        except ValueError as err:  # __post_init__: arrays disagree with trial.json
            raise InputFormatError(f"trial.json and trial.npz disagree ({err})", path=d, fix=fix) from None


def _check_headline_numbers(meta: dict, path: Path) -> None:
    """The headline numbers of ``trial.json`` (``stance_pct``, ``cadence_steps_per_min``...) are copies of
    ``spatiotemporal``, which is what :meth:`GaitTrial.load` reads: an edit of a copy alone would be ignored,
    so it is refused, naming the field to edit instead."""
    sp = meta["spatiotemporal"]
    pairs = [(k, meta.get(k), k) for k in ("cadence_steps_per_min", "double_support_pct", "speed_m_s",
                                           "stride_length_m")]
    pairs += [(f"{k}/{s}", (meta.get(k) or {}).get(s), f"{k}_{s}") for k in ("stance_pct", "stride_time_s")
              for s in ("r", "l")]
    for field_path, shown, key in pairs:
        if shown is None or key not in sp:
            continue
        value = sp[key]
        if value is None or not np.isclose(shown, value, rtol=1e-9, atol=1e-9):
            raise InputFormatError(f"rl_gait.trial/1 field `{field_path}` ({shown}) disagrees with "
                                   f"`spatiotemporal/{key}` ({value}), the value that is used", path=path,
                                   fix=f"edit `spatiotemporal/{key}` and `{field_path}` together")
