"""The bundled synthetic sample patient: a documented hemiparetic impairment model applied to the
healthy atlas, rendered to raw IMU signals (acc + gyro) in the generic CSV layout.

Why synthetic: the real recordings in ``../shared/data`` may not be shipped inside the package, and
``rl-gait demo`` must exercise the real ingestion path (raw IMU → orientation filter → joint angles →
events → parameters). So the package generates its own walk:

1. **Healthy curves**: the shipped atlas (optical source, all six joints) at ``speed_m_s``, per side,
   phase 0 = that side's initial contact, left leg half a cycle after the right.
2. **Impairment model** (:class:`~rl_gait.reference.impaired.ImpairmentModel`, paretic side by argument), hemiparetic patterns
   from the stroke literature (Perry & Burnfield 2010; Olney & Richards 1996):
   - reduced paretic knee flexion in swing: ``knee'(φ) = knee(φ) · (1 − r_knee · w_swing(φ))`` with
     ``w_swing`` a smooth window equal to 1 over swing (stance end + 3 % … 95 %);
   - reduced paretic push-off: the plantar-flexion (negative ankle) part of the curve in the push-off
     window (stance end − 15 % … stance end + 10 %) scaled by ``1 − r_pushoff``;
   - longer non-paretic stance / shorter paretic stance: the phase of each leg is warped so that the
     atlas stance end falls at ``stance + Δ`` (non-paretic) and ``stance − Δ`` (paretic);
   - slower: walking at ``speed_m_s`` (atlas curves and cadence at that speed).
3. **Body**: a sagittal chain (pelvis, thighs, shanks, feet; Winter's segment lengths for
   ``height_m``), pelvis height set so the lowest foot point touches the ground (low-pass filtered),
   forward speed ramped up and down with the gait amplitude; quiet standing before and after.
4. **IMU**: one sensor per segment aligned with it (x forward, y left, z up along the segment when
   standing); gyroscope = segment angular velocity in the sensor frame, accelerometer = specific force
   ``Rᵀ(a − g)`` at the sensor's position; seeded white noise and a small constant gyro bias.

Run ``python -m rl_gait.pipeline.sample_patient --out rl_gait/data/sample_patient`` to regenerate the
shipped files; the sidecar ``sample_patient.json`` records the command, the model and the file hash.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.signal import butter, filtfilt

from rl_gait._version import __version__
from rl_gait.io.jsonio import sha256_file, write_json
from rl_gait.joints import N_CURVE_POINTS
from rl_gait.reference.impaired import ImpairmentModel, impaired_curves, stance_warp

GRAVITY_M_S2 = 9.81
SEGMENTS: tuple[str, ...] = ("pelvis", "thigh_r", "shank_r", "foot_r", "thigh_l", "shank_l", "foot_l")
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample_patient"
SAMPLE_CSV = "sample_patient_imu.csv"
SAMPLE_SIDECAR = "sample_patient.json"


@dataclass(frozen=True)
class RecordingSettings:
    """How the synthetic walk is recorded.

    Attributes:
        distance_m: walked distance at steady speed (plus the ramps).
        stand_start_s, stand_end_s: quiet standing before and after the walk (s).
        ramp_s: gait initiation / termination ramp (s).
        sample_rate_hz: IMU rate.
        height_m, mass_kg: the synthetic subject.
        gyr_noise_rad_s, acc_noise_m_s2: white-noise SD; gyr_bias_rad_s: SD of a constant per-axis bias.
        seed: noise seed.
    """

    distance_m: float = 20.0
    stand_start_s: float = 3.0
    stand_end_s: float = 2.0
    ramp_s: float = 1.5
    sample_rate_hz: float = 100.0
    height_m: float = 1.70
    mass_kg: float = 72.0
    gyr_noise_rad_s: float = 0.01
    acc_noise_m_s2: float = 0.05
    gyr_bias_rad_s: float = 0.003
    seed: int = 8


@dataclass(frozen=True)
class SamplePatient:
    """The generated walk: the file-level signals plus the ground truth used to make them."""

    time_s: np.ndarray  # [T]
    acc_m_s2: dict[str, np.ndarray]  # segment -> [T, 3] sensor frame
    gyr_rad_s: dict[str, np.ndarray]  # segment -> [T, 3] sensor frame
    joint_angles_rad: dict[str, np.ndarray]  # joint -> [T] ground truth
    curves_rad: dict[str, np.ndarray]  # joint -> [101] impaired per-side curve (phase 0 = that side's IC)
    healthy_curves_rad: dict[str, np.ndarray]  # joint -> [101] atlas curve
    stride_time_s: float
    model: ImpairmentModel
    settings: RecordingSettings = field(default_factory=RecordingSettings)


# ---------------------------------------------------------------------------- pure pieces


def segment_lengths_m(height_m: float) -> dict[str, float]:
    """Winter (2009) segment lengths as fractions of height: thigh 0.245, shank 0.246, foot 0.152,
    ankle height 0.039."""
    return {"thigh": 0.245 * height_m, "shank": 0.246 * height_m, "foot": 0.152 * height_m,
            "ankle_height": 0.039 * height_m}


def specific_force_sensor(acc_world_m_s2: np.ndarray, pitch_rad: np.ndarray) -> np.ndarray:
    """Accelerometer reading ``Rᵀ(a − g)`` ``[T, 3]`` of a sensor rotated by ``−pitch`` about world y
    (x forward, y left, z up; positive pitch = distal end forward), world acceleration ``[T, 3]``."""
    f = acc_world_m_s2 + np.array([0.0, 0.0, GRAVITY_M_S2])  # a − g with g = (0, 0, −9.81)
    c, s = np.cos(pitch_rad), np.sin(pitch_rad)
    # R = R_y(−θ): columns are the sensor axes in world: x_s = (c, 0, s), z_s = (−s, 0, c)
    return np.stack([c * f[:, 0] + s * f[:, 2], f[:, 1], -s * f[:, 0] + c * f[:, 2]], axis=1)


# ---------------------------------------------------------------------------- generator


def _periodic_spline(curve_101: np.ndarray) -> CubicSpline:
    y = np.asarray(curve_101, float).copy()
    y[-1] = y[0]
    return CubicSpline(np.linspace(0.0, 1.0, N_CURVE_POINTS), y, bc_type="periodic")


def _lowpass(x: np.ndarray, fs: float, cutoff_hz: float) -> np.ndarray:
    b, a = butter(2, cutoff_hz / (fs / 2))
    return filtfilt(b, a, x, axis=0)


def generate(model: ImpairmentModel = ImpairmentModel(),  # noqa: B008 (frozen dataclass)
             settings: RecordingSettings = RecordingSettings()) -> SamplePatient:  # noqa: B008
    """Simulate the impaired walk and its IMU signals (deterministic given ``settings.seed``)."""
    from rl_gait.atlas import load_atlas

    atlas = load_atlas()
    v = model.speed_m_s
    healthy = atlas.mean_curves(v, "optical")  # [J, 101]
    names = atlas.joint_names
    st = atlas.spatiotemporal_at(v)
    stance_frac = st["stance_pct"] / 100.0
    stride_time = 120.0 / st["cadence_steps_per_min"]
    healthy_d = {n: healthy[i] for i, n in enumerate(names)}
    curves = impaired_curves(healthy_d, stance_frac, model)
    splines = {n: _periodic_spline(c) for n, c in curves.items()}

    fs = settings.sample_rate_hz
    walk_s = settings.distance_m / v + settings.ramp_s  # the two half-speed ramps add one ramp of distance
    total_s = settings.stand_start_s + walk_s + settings.ramp_s + settings.stand_end_s
    t = np.arange(int(round(total_s * fs))) / fs
    t0, t1 = settings.stand_start_s, settings.stand_start_s + walk_s
    up = np.clip((t - t0) / settings.ramp_s, 0, 1)
    down = np.clip((t1 + settings.ramp_s - t) / settings.ramp_s, 0, 1)
    env = 0.5 * (1 - np.cos(np.pi * np.minimum(up, down)))  # gait amplitude 0…1
    phase_r = np.cumsum(env) / fs / stride_time  # cycles; advances only while walking
    angles: dict[str, np.ndarray] = {}
    for s, offset in (("r", 0.0), ("l", -0.5)):
        p = stance_warp(phase_r + offset, stance_frac, model.stance_end(s, stance_frac))
        for j in ("hip", "knee", "ankle"):
            # standing = all angles 0 (the ingestion's static calibration pose)
            angles[f"{j}_{s}"] = env * splines[f"{j}_{s}"](p)

    seg = segment_lengths_m(settings.height_m)
    theta = {"pelvis": np.zeros_like(t)}
    for s in ("r", "l"):
        theta[f"thigh_{s}"] = angles[f"hip_{s}"]
        theta[f"shank_{s}"] = theta[f"thigh_{s}"] - angles[f"knee_{s}"]
        theta[f"foot_{s}"] = theta[f"shank_{s}"] + angles[f"ankle_{s}"]

    def down_vec(th: np.ndarray) -> np.ndarray:  # unit vector along the segment, proximal → distal
        return np.stack([np.sin(th), np.zeros_like(th), -np.cos(th)], axis=1)

    def fwd_vec(th: np.ndarray) -> np.ndarray:  # foot long axis, heel → toe
        return np.stack([np.cos(th), np.zeros_like(th), np.sin(th)], axis=1)

    rel = {}  # sensor positions relative to the hip joint (pelvis origin), [T, 3]
    lowest = []
    for s in ("r", "l"):
        knee = seg["thigh"] * down_vec(theta[f"thigh_{s}"])
        ankle = knee + seg["shank"] * down_vec(theta[f"shank_{s}"])
        sole = ankle + seg["ankle_height"] * down_vec(theta[f"foot_{s}"])
        heel = sole - 0.25 * seg["foot"] * fwd_vec(theta[f"foot_{s}"])
        toe = sole + 0.75 * seg["foot"] * fwd_vec(theta[f"foot_{s}"])
        lowest += [heel[:, 2], toe[:, 2]]
        rel[f"thigh_{s}"] = 0.5 * knee
        rel[f"shank_{s}"] = 0.5 * (knee + ankle)
        rel[f"foot_{s}"] = 0.5 * (ankle + toe)
    rel["pelvis"] = np.zeros((len(t), 3))
    pelvis_z = _lowpass(-np.min(np.stack(lowest), axis=0), fs, 6.0)
    pelvis_x = np.cumsum(env * v) / fs
    pelvis = np.stack([pelvis_x, np.zeros_like(t), pelvis_z], axis=1)

    rng = np.random.default_rng(settings.seed)
    acc, gyr = {}, {}
    for name in SEGMENTS:
        pos = pelvis + rel[name]
        a_world = np.gradient(np.gradient(pos, axis=0), axis=0) * fs * fs
        th = theta[name]
        w = np.zeros((len(t), 3))
        w[:, 1] = -np.gradient(th) * fs  # rotation by −θ about y
        bias = rng.normal(0.0, settings.gyr_bias_rad_s, 3)
        gyr[name] = w + bias + rng.normal(0.0, settings.gyr_noise_rad_s, w.shape)
        acc[name] = specific_force_sensor(a_world, th) + rng.normal(0.0, settings.acc_noise_m_s2, w.shape)
    return SamplePatient(t, acc, gyr, angles, curves, healthy_d, stride_time, model, settings)


def write_csv(patient: SamplePatient, path: str | Path) -> Path:
    """Write ``patient`` in the generic IMU CSV layout (``rl_gait imu csv v1``, see ingest/formats/README.md)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cols, data = ["time_s"], [patient.time_s]
    for name in SEGMENTS:
        for q, arr in (("acc", patient.acc_m_s2[name]), ("gyr", patient.gyr_rad_s[name])):
            for k, axis in enumerate("xyz"):
                cols.append(f"{name}_{q}_{axis}")
                data.append(arr[:, k])
    table = np.stack(data, axis=1)
    header = (f"# rl_gait imu csv v1\n# sample_rate_hz: {patient.settings.sample_rate_hz:g}\n"
              "# units: acc=m/s^2 gyr=rad/s\n" + ",".join(cols))
    fmt = ["%.2f"] + ["%.3f"] * (len(cols) - 1)
    np.savetxt(path, table, delimiter=",", header=header, comments="", fmt=fmt)
    return path


def write_sample_patient(out_dir: str | Path, model: ImpairmentModel = ImpairmentModel(),  # noqa: B008
                         settings: RecordingSettings = RecordingSettings(),  # noqa: B008
                         command: str = "") -> Path:
    """Generate and write ``out_dir/sample_patient_imu.csv`` + the ``sample_patient.json`` sidecar."""
    out = Path(out_dir)
    patient = generate(model, settings)
    csv_path = write_csv(patient, out / SAMPLE_CSV)
    s = "l" if model.paretic_side == "left" else "r"
    o = "r" if s == "l" else "l"
    peak = {k: float(np.degrees(np.max(c))) for k, c in patient.curves_rad.items() if k.startswith("knee")}
    sidecar = {
        "format": "rl_gait.sample_patient", "format_version": 1,
        "command": command or "python -m rl_gait.pipeline.sample_patient --out rl_gait/data/sample_patient",
        "generator": "rl_gait.pipeline.sample_patient.generate", "package_version": __version__,
        "patient_id": "sample-hemiparetic-01", "synthetic": True,
        "impairment_model": asdict(model), "recording": asdict(settings),
        "files": {SAMPLE_CSV: sha256_file(csv_path)},
        "truth": {
            "paretic_side": model.paretic_side, "stride_time_s": patient.stride_time_s,
            "speed_m_s": model.speed_m_s, "peak_knee_flexion_deg": peak,
            "knee_peak_ratio_paretic_to_nonparetic": peak[f"knee_{s}"] / peak[f"knee_{o}"],
            "walk_distance_m": settings.distance_m,
        },
        "ingest": {"format": "csv", "height_m": settings.height_m, "mass_kg": settings.mass_kg,
                   "walk_distance_m": settings.distance_m},
        "note": "synthetic: a documented impairment model applied to the healthy atlas (see the module docstring)",
    }
    write_json(out / SAMPLE_SIDECAR, sidecar)
    return csv_path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="write the bundled synthetic sample patient (generic IMU CSV)")
    p.add_argument("--out", type=Path, default=SAMPLE_DIR)
    p.add_argument("--seed", type=int, default=RecordingSettings().seed)
    args = p.parse_args(argv)
    cmd = "python -m rl_gait.pipeline.sample_patient " + " ".join(sys.argv[1:] if argv is None else argv)
    path = write_sample_patient(args.out, settings=RecordingSettings(seed=args.seed), command=cmd.strip())
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
