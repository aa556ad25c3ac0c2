"""``ReferenceMotion``: one periodic gait cycle that an env tracks and a learner imitates.

A reference is stored as ``N`` joint-angle samples at uniform gait phase ``k / N`` (``k = 0 … N-1``,
phase 1 ≡ phase 0, so the end point is not repeated) and evaluated at any phase through its
truncated Fourier series. That makes the target smooth, exactly periodic (continuous across the
cycle boundary, with continuous velocity) and cheap to evaluate inside the env step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rl_gait.errors import InputFormatError
from rl_gait.io.jsonio import read_json, sha256_bytes, to_jsonable, write_json
from rl_gait.joints import FRONTAL_REFERENCE_NAMES, JOINT_NAMES
from rl_gait.tasks import Task

FORMAT_VERSION = 1
STAIR_STRATEGIES: tuple[str, ...] = ("step_over_step", "step_to")
"""How stairs are walked: reciprocal (one foot per tread) or non-reciprocal (both feet on every tread)."""


def fourier_coefficients(samples: np.ndarray, n_harmonics: int) -> np.ndarray:
    """``[H+1, C]`` complex coefficients of the truncated Fourier series of ``[N, C]`` samples at phases ``k/N``
    (``H = n_harmonics``; the constant term as is, the others doubled: a one-sided series)."""
    c = np.fft.rfft(samples, axis=0) / samples.shape[0]
    c = c[: n_harmonics + 1].copy()
    c[1:] *= 2.0
    return c


def fourier_values(coeffs: np.ndarray, phase: float | np.ndarray) -> np.ndarray:
    """``[..., C]`` values of the series ``coeffs`` (:func:`fourier_coefficients`) at ``phase`` (cycles)."""
    ph = np.asarray(phase, dtype=np.float64)[..., None] * (2 * np.pi) * np.arange(coeffs.shape[0])  # [..., H+1]
    return np.cos(ph) @ coeffs.real - np.sin(ph) @ coeffs.imag


def fourier_phase_rates(coeffs: np.ndarray, phase: float | np.ndarray) -> np.ndarray:
    """``[..., C]`` derivatives per cycle (units per cycle) of the series ``coeffs`` at ``phase``."""
    w = 2 * np.pi * np.arange(coeffs.shape[0])
    ph = np.asarray(phase, dtype=np.float64)[..., None] * w
    return -(np.sin(ph) * w) @ coeffs.real - (np.cos(ph) * w) @ coeffs.imag


@dataclass(frozen=True)
class ReferenceMotion:
    """A periodic joint-angle target over one gait cycle.

    Attributes:
        joint_names: names from :data:`rl_gait.joints.JOINT_NAMES`, one per column.
        joint_angles_rad: float array ``[N, J]``, radians, at phase ``k / N``; clinical signs
            (flexion / dorsiflexion positive).
        cycle_duration_s: duration of one gait cycle (stride time) in seconds.
        speed_m_s: mean walking speed over the cycle, m/s, along the path.
        stride_length_m: distance covered per cycle along the path, m.
        task: the task this reference is made for.
        paretic_side: ``"left"``, ``"right"`` or ``"none"``.
        phase_zero: the gait event at phase 0 (``"right_initial_contact"`` by convention).
        n_harmonics: Fourier harmonics used by :meth:`angles_at` / :meth:`velocities_at`.
        joint_angles_sd_rad: optional ``[N, J]`` between-stride SD (radians), for uncertainty.
        source: free-text provenance (what produced it).
        stance_fraction: ``(right, left)`` stance as a fraction of the cycle (measured gait events;
            healthy ~0.6), for the env's contact-timing reward (:meth:`stance_at`).
        left_contact_phase: phase (cycles) of left initial contact within the right stride (0.5 when
            symmetric).
        fidelity_weights: optional per-joint weights of the fidelity metrics (1 for a measured joint, less
            for one the trial estimated, by its uncertainty: :func:`rl_gait.metrics.fidelity.uncertainty_weights`).
        approach: for a slope or stairs task, the same person's level-ground reference that walks up to
            the feature (the curves the task's were derived from, at the task's speed where the source
            has a speed model); ``None`` on level ground or when unknown. ``WalkEnv(level_approach=True)``
            tracks it on the level approach and switches to this reference for the step onto the feature.
        stair_strategy: on stairs, ``"step_over_step"`` (reciprocal: every initial contact lands one tread ahead and
            one riser up/down of the other foot) or ``"step_to"`` (non-reciprocal: ``leading_side`` lands one tread
            and one riser on, the other foot beside it; :mod:`rl_gait.reference.step_to`). Level and slopes:
            ``"step_over_step"``.
        leading_side: ``"right"`` / ``"left"``: the leg that steps onto the next tread first (step-to only).
        frontal_names: frontal-plane curves carried beside the sagittal joints, names from
            :data:`rl_gait.joints.FRONTAL_REFERENCE_NAMES` (``()``: none; the 3D body then tracks 0 there).
        frontal_angles_rad: ``[N, K]`` those curves (rad) at the same phases; evaluated like the joints
            (:meth:`frontal_at`). The planar body ignores them.
    """

    joint_names: tuple[str, ...]
    joint_angles_rad: np.ndarray
    cycle_duration_s: float
    speed_m_s: float
    stride_length_m: float
    task: Task = field(default_factory=Task)
    paretic_side: str = "none"
    phase_zero: str = "right_initial_contact"
    n_harmonics: int = 8
    joint_angles_sd_rad: np.ndarray | None = None
    source: str = ""
    stance_fraction: tuple[float, float] = (0.6, 0.6)
    left_contact_phase: float = 0.5
    approach: ReferenceMotion | None = None
    fidelity_weights: tuple[float, ...] | None = None
    stair_strategy: str = "step_over_step"
    leading_side: str | None = None
    frontal_names: tuple[str, ...] = ()
    frontal_angles_rad: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.stair_strategy not in STAIR_STRATEGIES:
            raise ValueError(f"stair_strategy must be one of {STAIR_STRATEGIES}, got {self.stair_strategy!r}")
        if self.stair_strategy == "step_to" and (self.task.terrain != "stairs" or self.leading_side not in
                                                 ("right", "left")):
            raise ValueError("a step_to reference must be a stairs reference with leading_side 'right' or 'left', "
                             f"got {self.task.name!r}, {self.leading_side!r}")
        q = np.asarray(self.joint_angles_rad, dtype=np.float64)
        if q.ndim != 2 or q.shape[1] != len(self.joint_names):
            raise ValueError(f"joint_angles_rad must be [N, {len(self.joint_names)}], got {q.shape}")
        if q.shape[0] < 2 * self.n_harmonics + 1:
            raise ValueError(f"need at least {2 * self.n_harmonics + 1} samples per cycle, got {q.shape[0]}")
        if not np.all(np.isfinite(q)):
            raise ValueError("joint_angles_rad contains NaN or inf")
        unknown = set(self.joint_names) - set(JOINT_NAMES)
        if unknown:
            raise ValueError(f"unknown joint names {sorted(unknown)}; valid: {JOINT_NAMES}")
        if np.abs(q).max() > np.pi:
            raise ValueError("joint_angles_rad exceeds π in magnitude: are the angles in degrees?")
        if not (self.cycle_duration_s > 0 and self.speed_m_s >= 0 and self.stride_length_m >= 0):
            raise ValueError("cycle_duration_s must be > 0 and speed/stride length >= 0")
        if self.paretic_side not in ("left", "right", "none"):
            raise ValueError(f"paretic_side must be left/right/none, got {self.paretic_side!r}")
        stance = tuple(float(x) for x in self.stance_fraction)
        if len(stance) != 2 or not all(0.0 < x < 1.0 for x in stance):
            raise ValueError(f"stance_fraction must be (right, left) in (0, 1), got {self.stance_fraction}")
        if not 0.0 <= self.left_contact_phase < 1.0:
            raise ValueError(f"left_contact_phase must be in [0, 1), got {self.left_contact_phase}")
        if self.approach is not None and (self.task.terrain == "level" or self.approach.task.terrain != "level"
                                          or self.approach.approach is not None):
            raise ValueError("approach must be a level-ground reference (without its own approach) of a slope or "
                             f"stairs reference; got {self.approach.task.name!r} for {self.task.name!r}")
        if self.fidelity_weights is not None:
            w = tuple(float(x) for x in self.fidelity_weights)
            if len(w) != len(self.joint_names) or not all(0.0 < x <= 1.0 for x in w):
                raise ValueError(f"fidelity_weights must be {len(self.joint_names)} values in (0, 1], got {w}")
            object.__setattr__(self, "fidelity_weights", w)
        object.__setattr__(self, "stance_fraction", stance)
        q.setflags(write=False)
        object.__setattr__(self, "joint_angles_rad", q)
        object.__setattr__(self, "joint_names", tuple(self.joint_names))
        object.__setattr__(self, "_coeffs", fourier_coefficients(q, self.n_harmonics))
        self._check_frontal(q.shape[0])

    def _check_frontal(self, n: int) -> None:
        names = tuple(self.frontal_names)
        unknown = set(names) - set(FRONTAL_REFERENCE_NAMES)
        if unknown or len(set(names)) != len(names):
            raise ValueError(f"frontal_names must be distinct names from {FRONTAL_REFERENCE_NAMES}, got {names}")
        if not names:
            if self.frontal_angles_rad is not None and np.asarray(self.frontal_angles_rad).size:
                raise ValueError("frontal_angles_rad given without frontal_names")
            f = np.zeros((n, 0))
        else:
            f = np.asarray(self.frontal_angles_rad, dtype=np.float64)
            if f.shape != (n, len(names)):
                raise ValueError(f"frontal_angles_rad must be [{n}, {len(names)}] (samples, frontal_names), got {f.shape}")
            if not np.all(np.isfinite(f)) or np.abs(f).max() > np.pi / 2:
                raise ValueError("frontal_angles_rad must be finite and within ±π/2 (radians, not degrees)")
        f.setflags(write=False)
        object.__setattr__(self, "frontal_names", names)
        object.__setattr__(self, "frontal_angles_rad", f if names else None)
        object.__setattr__(self, "_frontal_coeffs", fourier_coefficients(f, self.n_harmonics))

    # ---------------------------------------------------------------- evaluation
    @property
    def n_samples(self) -> int:
        return int(self.joint_angles_rad.shape[0])

    @property
    def rate_hz(self) -> float:
        """Samples per second of the stored cycle."""
        return self.n_samples / self.cycle_duration_s

    @property
    def phase(self) -> np.ndarray:
        """Phase of each stored sample, ``[N]`` in [0, 1)."""
        return np.arange(self.n_samples) / self.n_samples

    def column(self, name: str) -> int:
        return self.joint_names.index(name)

    def angles_at(self, phase: float | np.ndarray) -> np.ndarray:
        """Joint angles (rad) at ``phase`` (cycles; any real, wrapped). Shape ``[..., J]``."""
        return fourier_values(self._coeffs, phase)

    def velocities_at(self, phase: float | np.ndarray) -> np.ndarray:
        """Joint angular velocities (rad/s) at ``phase``. Shape ``[..., J]``."""
        return fourier_phase_rates(self._coeffs, phase) / self.cycle_duration_s

    def frontal_at(self, phase: float | np.ndarray) -> np.ndarray:
        """Frontal curves (rad) at ``phase``, ``[..., K]`` over :attr:`frontal_names` (K = 0 without them)."""
        return fourier_values(self._frontal_coeffs, phase)

    def frontal_velocities_at(self, phase: float | np.ndarray) -> np.ndarray:
        """Rates of the frontal curves (rad/s) at ``phase``, ``[..., K]``."""
        return fourier_phase_rates(self._frontal_coeffs, phase) / self.cycle_duration_s

    def frontal_curve_at(self, name: str, phase: float | np.ndarray) -> np.ndarray | None:
        """One frontal curve (rad) at ``phase`` (shape of ``phase``), ``None`` if the reference lacks it."""
        if name not in self.frontal_names:
            return None
        return self.frontal_at(phase)[..., self.frontal_names.index(name)]

    def stance_at(self, phase: float | np.ndarray) -> np.ndarray:
        """``[..., 2]`` bool (right, left): the foot in stance at ``phase`` (cycles, wrapped): right from 0 to
        ``stance_fraction[0]``, left from ``left_contact_phase`` for ``stance_fraction[1]``."""
        ph = np.asarray(phase, dtype=np.float64) % 1.0
        right = ph < self.stance_fraction[0]
        left = (ph - self.left_contact_phase) % 1.0 < self.stance_fraction[1]
        return np.stack([right, left], axis=-1)

    def contact_placements_m(self) -> np.ndarray:
        """``[2, 2]`` m: where each initial contact puts the landing foot relative to the other — row 0 the right
        contact (phase 0), row 1 the left (``left_contact_phase``); columns (forward, up). On stairs step-over-step:
        one tread ahead and one riser up (down: negative) at both; step-to: that for the leading side's contact
        and ``(0, 0)`` (beside it) for the other; ``(nan, nan)`` off stairs (no placement is asked for)."""
        t = self.task
        if t.terrain != "stairs":
            return np.full((2, 2), np.nan)
        step = np.array([t.step_depth_m, t.signed_rise])
        if self.stair_strategy == "step_over_step":
            return np.stack([step, step])
        lead = 0 if self.leading_side == "right" else 1
        out = np.zeros((2, 2))
        out[lead] = step
        return out

    def curves_101(self) -> np.ndarray:
        """Stride-normalised curves ``[101, J]`` in radians at 0, 1, …, 100 % of the cycle."""
        return self.angles_at(np.linspace(0.0, 1.0, 101))

    # ---------------------------------------------------------------- persistence (npz + JSON, no pickle)
    def save(self, path: str | Path) -> Path:
        """Write ``path`` (``.npz``) with a JSON sidecar ``path.with_suffix('.json')`` (the approach reference,
        if any, in the same two files under the prefix ``approach_``)."""
        path = Path(path).with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays, meta = self._arrays(), self._meta()
        if self.approach is not None:
            arrays |= {f"approach_{k}": v for k, v in self.approach._arrays().items()}
            meta["approach"] = self.approach._meta()
        np.savez(path, **arrays)
        write_json(path.with_suffix(".json"), meta)
        return path

    def to_dict(self) -> dict:
        """What :meth:`save` writes, as one JSON-able dict: the meta, the curves as nested lists, the approach
        nested under ``approach`` (:meth:`from_dict` inverts it exactly)."""
        d = self._meta() | {k: v.tolist() for k, v in self._arrays().items()}
        if self.approach is not None:
            d["approach"] = self.approach.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ReferenceMotion:
        """Inverse of :meth:`to_dict`."""
        if d.get("format") != "rl_gait.ReferenceMotion":
            raise ValueError("not a ReferenceMotion dict (format is not 'rl_gait.ReferenceMotion')")
        arrays = {k: np.asarray(d[k], dtype=np.float64)
                  for k in ("joint_angles_rad", "joint_angles_sd_rad", "frontal_angles_rad") if k in d}
        approach = cls.from_dict(d["approach"]) if d.get("approach") is not None else None
        return cls._from(d, arrays, approach)

    def _arrays(self) -> dict[str, np.ndarray]:
        arrays = {"joint_angles_rad": self.joint_angles_rad}
        if self.joint_angles_sd_rad is not None:
            arrays["joint_angles_sd_rad"] = np.asarray(self.joint_angles_sd_rad)
        if self.frontal_names:
            arrays["frontal_angles_rad"] = self.frontal_angles_rad
        return arrays

    def _meta(self) -> dict:
        return {
            "format": "rl_gait.ReferenceMotion",
            "format_version": FORMAT_VERSION,
            "joint_names": list(self.joint_names),
            "units": {"joint_angles_rad": "rad", "cycle_duration_s": "s", "speed_m_s": "m/s"},
            "cycle_duration_s": self.cycle_duration_s,
            "rate_hz": self.rate_hz,
            "speed_m_s": self.speed_m_s,
            "stride_length_m": self.stride_length_m,
            "task": self.task.to_dict(),
            "paretic_side": self.paretic_side,
            "phase_zero": self.phase_zero,
            "n_harmonics": self.n_harmonics,
            "source": self.source,
            "stance_fraction": list(self.stance_fraction),
            "left_contact_phase": self.left_contact_phase,
            "stair_strategy": self.stair_strategy,
            "leading_side": self.leading_side,
            "fidelity_weights": None if self.fidelity_weights is None else list(self.fidelity_weights),
            "frontal_names": list(self.frontal_names),
        }

    @classmethod
    def load(cls, path: str | Path) -> ReferenceMotion:
        path = Path(path).with_suffix(".npz")
        meta_path = path.with_suffix(".json")
        if not path.exists() or not meta_path.exists():
            raise InputFormatError("reference motion not found (need .npz and .json)", path=path,
                                   fix="write it with ReferenceMotion.save or rl-gait commands")
        fix = "write it again with ReferenceMotion.save (rl_gait.reference.reference_for)"
        meta = read_json(meta_path, fix=fix)
        if not isinstance(meta, dict) or meta.get("format") != "rl_gait.ReferenceMotion":
            raise InputFormatError("not an rl_gait reference motion sidecar", path=meta_path, fix=fix)
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            approach = None
            if "approach" in meta:  # references saved before the approach was recorded have none
                approach = cls._from(meta["approach"], {k.removeprefix("approach_"): v for k, v in arrays.items()
                                                        if k.startswith("approach_")})
            return cls._from(meta, arrays, approach)
        except KeyError as err:
            raise InputFormatError(f"field {err.args[0]!r} missing", path=meta_path, fix=fix) from None
        except (TypeError, ValueError, OSError, EOFError) as err:
            raise InputFormatError(f"unreadable reference ({str(err)[:120]})", path=meta_path, fix=fix) from None

    @classmethod
    def _from(cls, meta: dict, arrays: dict[str, np.ndarray], approach: ReferenceMotion | None = None) -> ReferenceMotion:
        return cls(
            joint_names=tuple(meta["joint_names"]), joint_angles_rad=arrays["joint_angles_rad"],
            cycle_duration_s=float(meta["cycle_duration_s"]), speed_m_s=float(meta["speed_m_s"]),
            stride_length_m=float(meta["stride_length_m"]), task=Task.from_dict(meta["task"]),
            paretic_side=meta["paretic_side"], phase_zero=meta["phase_zero"],
            n_harmonics=int(meta["n_harmonics"]), joint_angles_sd_rad=arrays.get("joint_angles_sd_rad"),
            source=meta.get("source", ""),
            # references saved before contact timing was recorded get the healthy values
            stance_fraction=tuple(meta.get("stance_fraction", (0.6, 0.6))),
            left_contact_phase=float(meta.get("left_contact_phase", 0.5)), approach=approach,
            # references saved before stair strategies existed are step-over-step
            stair_strategy=meta.get("stair_strategy", "step_over_step"), leading_side=meta.get("leading_side"),
            fidelity_weights=None if meta.get("fidelity_weights") is None else tuple(meta["fidelity_weights"]),
            # references saved before frontal curves existed have none
            frontal_names=tuple(meta.get("frontal_names", ())), frontal_angles_rad=arrays.get("frontal_angles_rad"),
        )


@to_jsonable.register(ReferenceMotion)
def _reference_summary(ref: ReferenceMotion) -> dict:
    """How a reference appears in a JSON record (a checkpoint's env configuration): a summary and the hash
    of its curves; the curves themselves live in the trial or the reference's own ``.npz``."""
    return to_jsonable({
        "type": "ReferenceMotion", "source": ref.source, "cycle_duration_s": ref.cycle_duration_s,
        "speed_m_s": ref.speed_m_s, "stride_length_m": ref.stride_length_m, "paretic_side": ref.paretic_side,
        "stance_fraction": ref.stance_fraction, "left_contact_phase": ref.left_contact_phase, "task": ref.task,
        "joint_angles_sha256": sha256_bytes(np.ascontiguousarray(ref.joint_angles_rad).tobytes()),
        "frontal_names": ref.frontal_names,
        "frontal_angles_sha256": (sha256_bytes(np.ascontiguousarray(ref.frontal_angles_rad).tobytes())
                                  if ref.frontal_names else None),
    })
