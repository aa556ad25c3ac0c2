"""Fuzzed ingestion (issue 29, item 6): each input format's reader is fed broken versions of a valid recording —
NaN/inf and empty fields, empty and truncated files, wrong units, swapped sides, constant signals, dropped or
few rows, a wrong, zero or negative sample rate (in the file or as ``--sample-rate-hz``). Whatever it gets,
``ingest`` either returns a trial that saves (a documented repair: short gaps interpolated, a flexion-negative
knee flipped, ...) or raises one :class:`RlGaitError` line — never a traceback.

The examples are drawn by ``hypothesis`` with a fixed seed (``derandomize``); the counts keep the whole module
under a minute on 2 cores.
"""

from __future__ import annotations

import copy
import json
import math
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_synthetic import gait_curves_deg, synthetic_walk, write_c3d

from rl_gait.errors import RlGaitError
from rl_gait.ingest import IngestOptions, ingest

LEGS = ("pelvis", "thigh_r", "shank_r", "thigh_l", "shank_l")
ANGLE_NAMES = ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")
BAD_RATES = ("0", "-100", "nan", "inf", "-inf", "1e-9", "1e9", "abc", "", "100", "0.0", "1e400")
BAD_OPTION_RATES = (None,) * 7 + (0.0, -50.0, math.nan, math.inf, 1e-3, 1e6, 60.0)  # half the examples: none
SCALES = (math.pi / 180.0, 180.0 / math.pi, 1 / 9.81, 9.81, 1000.0, 1e-3, -1.0, 0.0)


def _fuzz_settings(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ------------------------------------------------------------------------------------------- valid recordings


@dataclass
class TextTable:
    """A delimited text file as header lines, a column row and data cells (strings, so a cell can be empty,
    ``nan`` or ``inf``)."""

    header: list[str]
    columns: list[str]
    cells: list[list[str]]
    delimiter: str
    trailer: str = ""
    rate_line: int | None = None  # header line holding the sample rate
    rate_format: str = "{}"  # how that line is written around the rate

    def render(self) -> str:
        lines = [*self.header, self.delimiter.join(self.columns), *(self.delimiter.join(r) for r in self.cells)]
        return "\n".join(lines) + "\n" + self.trailer


def _cells(a: np.ndarray) -> list[list[str]]:
    return [[f"{v:.6g}" for v in row] for row in np.asarray(a, float)]


@dataclass
class Recording:
    """One trial's files: text tables (mutated by the fuzzer) and fixed side files; ``target`` is what
    ``ingest`` is given (``None``: the folder)."""

    tables: dict[str, TextTable] = field(default_factory=dict)
    side_files: dict[str, str] = field(default_factory=dict)
    target: str | None = None

    def write(self, folder: Path, texts: dict[str, str]) -> list[Path] | Path:
        for name, text in {**self.side_files, **texts}.items():
            (folder / name).write_text(text)
        return folder / self.target if self.target else folder


def _walk(seed: int = 7):
    sensors, truth = synthetic_walk(segments=LEGS, seed=seed, n_strides=5.0, stand_s=1.0)
    return sensors, truth


def imu_csv() -> Recording:
    sensors, truth = _walk()
    cols, data = ["time_s"], [truth["time_s"]]
    for seg in LEGS:
        for q in ("acc", "gyr"):
            cols += [f"{seg}_{q}_{a}" for a in "xyz"]
            data.append(sensors[seg][q])
    header = ["# rl_gait imu csv v1", "# sample_rate_hz: 100", "# units: acc=m/s^2 gyr=rad/s"]
    table = TextTable(header, cols, _cells(np.column_stack(data)), ",", rate_line=1,
                      rate_format="# sample_rate_hz: {}")
    return Recording({"walk.csv": table}, target="walk.csv")


def imu_csv_per_sensor() -> Recording:
    """One file per sensor, no time column: the header's rate is the only rate."""
    sensors, _ = _walk()
    rec = Recording()
    for seg in LEGS:
        cols = [f"{q}_{a}" for q in ("acc", "gyr") for a in "xyz"]
        rec.tables[f"walk_{seg}.csv"] = TextTable(
            [f"# segment: {seg}", "# sample_rate_hz: 100"], cols,
            _cells(np.hstack([sensors[seg]["acc"], sensors[seg]["gyr"]])), ",", rate_line=1,
            rate_format="# sample_rate_hz: {}")
    return rec


def angle_csv() -> Recording:
    _, truth = _walk()
    deg = np.degrees(np.stack([truth[j] for j in ANGLE_NAMES], axis=1))
    table = TextTable(["# sample_rate_hz: 100"], [f"{j}_deg" for j in ANGLE_NAMES], _cells(deg), ",", rate_line=0,
                      rate_format="# sample_rate_hz: {}")
    return Recording({"angles.csv": table}, target="angles.csv")


def mot() -> Recording:
    _, truth = _walk()
    coords = ("hip_flexion_r", "knee_angle_r", "ankle_angle_r", "hip_flexion_l", "knee_angle_l", "ankle_angle_l")
    deg = np.degrees(np.stack([truth[j] for j in ANGLE_NAMES], axis=1))
    n = len(deg)
    table = TextTable(["ik", "version=1", f"nRows={n}", "nColumns=7", "inDegrees=yes", "endheader"],
                      ["time", *coords], _cells(np.column_stack([truth["time_s"], deg])), "\t")
    return Recording({"walk.mot": table}, target="walk.mot")


XSENS_IDS = {"pelvis": "00B41111", "thigh_r": "00B42222", "shank_r": "00B43333", "thigh_l": "00B44444",
             "shank_l": "00B45555"}
XSENS_NAMES = {"pelvis": "pelvis", "thigh_r": "rightthigh", "shank_r": "rightshank", "thigh_l": "leftthigh",
               "shank_l": "leftshank"}


def xsens_mt_manager() -> Recording:
    sensors, _ = _walk()
    rec = Recording(side_files={"sensorspec.json": json.dumps({XSENS_NAMES[s]: f"{XSENS_IDS[s]}.txt" for s in LEGS})})
    for seg in LEGS:
        n = len(sensors[seg]["acc"])
        counter = np.arange(n) % 65536
        cols = ["PacketCounter", "SampleTimeFine", *(f"Acc_{a}" for a in "XYZ"), *(f"Gyr_{a}" for a in "XYZ"),
                *(f"Quat_q{i}" for i in range(4))]
        ticks = 100 * np.arange(n)  # 10 kHz ticks at 100 Hz
        data = np.column_stack([counter, ticks, sensors[seg]["acc"], sensors[seg]["gyr"], sensors[seg]["quat"]])
        rec.tables[f"MT_2026_{XSENS_IDS[seg]}.txt"] = TextTable(
            ["// General information:", "//  MT Manager version: 2022.0.0", f"// DeviceId: {XSENS_IDS[seg]}",
             "// Coordinate system: ENU"], cols, _cells(data), "\t")
    return rec


def gaittoolbox_csv() -> Recording:
    sensors, _ = _walk()
    labels = {"pelvis": "Pelvis", "thigh_r": "R_UpLeg", "shank_r": "R_LowLeg", "thigh_l": "L_UpLeg",
              "shank_l": "L_LowLeg"}
    rec = Recording()
    for seg in LEGS:
        n = len(sensors[seg]["acc"])
        cols = [*(f"ori_{i}" for i in range(1, 5)), *(f"acc_{i}" for i in range(1, 4)),
                *(f"gyr_{i}" for i in range(1, 4))]
        data = np.column_stack([sensors[seg]["quat"], sensors[seg]["acc"], sensors[seg]["gyr"]])
        rec.tables[f"walk-{labels[seg]}.csv"] = TextTable([f"// fs=100 nSamples={n}"], cols, _cells(data), ",",
                                                          rate_line=0, rate_format="// fs={} nSamples=" + str(n))
    return rec


TEXT_FORMATS = {"imu_csv": imu_csv, "imu_csv_per_sensor": imu_csv_per_sensor, "angle_csv": angle_csv, "mot": mot,
                "xsens": xsens_mt_manager, "gaittoolbox": gaittoolbox_csv}
EXAMPLES = {"imu_csv": 60, "imu_csv_per_sensor": 50, "angle_csv": 150, "mot": 150, "xsens": 50, "gaittoolbox": 50}


# ------------------------------------------------------------------------------------------- mutations


def _swap_side(name: str) -> str:
    """``_r`` ↔ ``_l`` (and the Xsens/gaittoolbox spellings) in a column or file name."""
    pairs = [("_r", "_l"), ("R_", "L_"), ("right", "left")]
    for a, b in pairs:
        if a in name:
            return name.replace(a, b)
        if b in name:
            return name.replace(b, a)
    return name


def _mutate_table(data, t: TextTable) -> tuple[TextTable, str | None]:
    """One drawn mutation of ``t`` (a copy); the second item, when not ``None``, replaces the rendered text."""
    t = copy.deepcopy(t)
    n_rows, n_cols = len(t.cells), len(t.columns)
    kind = data.draw(st.sampled_from(["non_finite", "span", "truncate", "empty", "scale", "swap", "constant",
                                      "rate", "drop_rows", "few_rows", "time", "garbage"]), label="mutation")
    col = data.draw(st.integers(0, n_cols - 1), label="column")
    if kind == "non_finite":
        value = data.draw(st.sampled_from(["nan", "inf", "-inf", "", "NaN", "1e999"]))
        for _ in range(data.draw(st.integers(1, 5))):
            r, c = data.draw(st.integers(0, n_rows - 1)), data.draw(st.integers(0, n_cols - 1))
            t.cells[r][c] = value
    elif kind == "span":  # a run of missing samples in one column, up to the whole recording
        start = data.draw(st.integers(0, n_rows - 1))
        length = data.draw(st.sampled_from([1, 5, 10, 11, 50, n_rows]))
        value = data.draw(st.sampled_from(["", "nan", "inf"]))
        for r in range(start, min(n_rows, start + length)):
            t.cells[r][col] = value
    elif kind == "truncate":
        text = t.render()
        return t, text[: data.draw(st.integers(0, len(text)))]
    elif kind == "empty":
        return t, data.draw(st.sampled_from(["", "\n", " \n\n", t.delimiter.join(t.columns) + "\n"]))
    elif kind == "scale":  # wrong units
        factor = data.draw(st.sampled_from(SCALES))
        for row in t.cells:
            try:
                row[col] = f"{float(row[col]) * factor:.6g}"
            except ValueError:  # a garbage cell stays garbage
                pass
    elif kind == "swap":
        t.columns = [_swap_side(c) for c in t.columns]
    elif kind == "constant":
        value = data.draw(st.sampled_from(["0", "1", "9.81", "-3.5", t.cells[0][col]]))
        cols = range(n_cols) if data.draw(st.booleans(), label="all columns") else [col]
        for row in t.cells:
            for c in cols:
                row[c] = value
    elif kind == "rate" and t.rate_line is not None:
        t.header[t.rate_line] = t.rate_format.format(data.draw(st.sampled_from(BAD_RATES)))
    elif kind == "drop_rows":  # dropped samples: a jump in time / packet counter
        start = data.draw(st.integers(0, n_rows - 1))
        del t.cells[start:start + data.draw(st.sampled_from([1, 5, 40, 300]))]
    elif kind == "few_rows":
        t.cells = t.cells[: data.draw(st.sampled_from([1, 2, 3, 20, 150]))]
    elif kind == "time" and t.columns[0] in ("time_s", "time", "SampleTimeFine"):
        how = data.draw(st.sampled_from(["zero", "reverse", "scale", "repeat"]))
        times = [float(r[0]) if r[0] not in ("", "nan") else math.nan for r in t.cells]
        if how == "zero":
            times = [0.0] * len(times)
        elif how == "reverse":
            times = times[::-1]
        elif how == "scale":
            times = [x * data.draw(st.sampled_from([-1.0, 1e-6, 1e6, 1e-300])) for x in times]
        else:
            times[len(times) // 2] = times[len(times) // 2 - 1]
        for r, x in zip(t.cells, times, strict=True):
            r[0] = f"{x:.10g}"
    elif kind == "garbage":
        r = data.draw(st.integers(0, n_rows - 1))
        t.cells[r][col] = data.draw(st.sampled_from(["abc", "1,5", "--", "0x10", "1e", "\x00", "∞"]))
    return t, None


def _check(target: Path | list[Path], option_rate: float | None, out: Path) -> None:
    """The property: a trial that saves, or one RlGaitError line."""
    try:
        trial = ingest(target, options=IngestOptions(sample_rate_hz=option_rate))
    except RlGaitError as err:
        message = str(err)
        assert message and "\n" not in message, message
        return
    assert math.isfinite(trial.sample_rate_hz) and trial.sample_rate_hz > 0
    trial.save(out)


# ------------------------------------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def recordings() -> dict[str, Recording]:
    return {name: make() for name, make in TEXT_FORMATS.items()}


def _fuzz_text_format(name: str, recordings: dict[str, Recording], data) -> None:
    rec = recordings[name]
    texts = {n: t.render() for n, t in rec.tables.items()}
    for _ in range(data.draw(st.integers(1, 3), label="n_mutations")):
        target_file = data.draw(st.sampled_from(sorted(rec.tables)), label="file")
        base = copy.deepcopy(rec.tables[target_file])
        mutated, text = _mutate_table(data, base)
        rec_tables = {**rec.tables, target_file: mutated}
        texts[target_file] = text if text is not None else mutated.render()
        rec = Recording(rec_tables, rec.side_files, rec.target)
    if name == "xsens" and data.draw(st.booleans(), label="swap the sensor map"):
        spec = json.loads(rec.side_files["sensorspec.json"])
        rec.side_files = {"sensorspec.json": json.dumps({_swap_side(k): v for k, v in spec.items()})}
    option_rate = data.draw(st.sampled_from(BAD_OPTION_RATES), label="--sample-rate-hz")
    with tempfile.TemporaryDirectory(prefix="rl_gait_fuzz_") as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        _check(rec.write(folder, texts), option_rate, Path(tmp) / "out")


@pytest.mark.parametrize("name", list(TEXT_FORMATS))
def test_text_formats_never_raise_a_traceback(name, recordings):
    """Every text format's reader (generic IMU CSV wide and per sensor, joint-angle CSV, .mot, Xsens MT Manager,
    gaittoolbox CSV), mutated 1–3 times per example."""
    assert _check_base(recordings[name]) == "trial", "the unmutated recording must ingest"

    @_fuzz_settings(EXAMPLES[name])
    @given(data=st.data())
    def fuzz(data):
        _fuzz_text_format(name, recordings, data)

    fuzz()


def _check_base(rec: Recording) -> str:
    with tempfile.TemporaryDirectory(prefix="rl_gait_fuzz_") as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        ingest(rec.write(folder, {n: t.render() for n, t in rec.tables.items()}))
    return "trial"


# --- StrokeAvatar JSON clips (one mocap gait cycle, synthesised in the documented column layout)


def _mocap_clip() -> dict:
    n = 121  # one cycle at 120 Hz; the last frame closes the cycle
    phi = np.arange(n) / (n - 1)
    walk = np.zeros((n, 62))
    walk[:, 0] = 1.2 * phi  # hip position along the walk (m)
    walk[:, 1] = 0.9
    for (hip_c, knee_c, foot_c), offset in (((48, 51, 52), 0.0), ((55, 58, 59), 0.5)):  # right, left
        c = gait_curves_deg((phi + offset) % 1.0)
        walk[:, hip_c], walk[:, knee_c], walk[:, foot_c] = -c["hip"], c["knee"], -c["ankle"]
    return {"walk": walk.tolist(), "aveVelocity": 1.2, "stepLength": 1.2, "stepFrequency": 1.0,
            "fai": phi.tolist()}


@_fuzz_settings(100)
@given(data=st.data())
def test_strokeavatar_clips_never_raise_a_traceback(data):
    clip = _mocap_clip()
    walk = np.array(clip["walk"])
    text = None
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["non_finite", "constant", "scale", "swap", "few", "speed", "truncate",
                                          "shape", "types", "empty"]))
        if walk.shape != (len(walk), 62) or not len(walk):  # already cut: later cell edits do not apply
            kind = data.draw(st.sampled_from(["speed", "truncate", "types", "empty"]))
        if kind == "non_finite":
            walk[data.draw(st.integers(0, len(walk) - 1)), data.draw(st.integers(0, 61))] = data.draw(
                st.sampled_from([math.nan, math.inf, -math.inf]))
        elif kind == "constant":
            walk[:, data.draw(st.integers(0, 61))] = data.draw(st.sampled_from([0.0, 1.0, 90.0]))
        elif kind == "scale":
            walk[:, 48:62] *= data.draw(st.sampled_from(SCALES))
        elif kind == "swap":
            walk[:, 48:55], walk[:, 55:62] = walk[:, 55:62].copy(), walk[:, 48:55].copy()
        elif kind == "few":
            walk = walk[: data.draw(st.sampled_from([0, 1, 19, 20, 21]))]
        elif kind == "speed":
            clip[data.draw(st.sampled_from(["aveVelocity", "stepLength"]))] = data.draw(
                st.sampled_from([0, -1.0, math.nan, math.inf, "fast", None, [1, 2]]))
        elif kind == "shape":
            walk = walk[:, : data.draw(st.sampled_from([0, 23, 61]))]
        elif kind == "types":
            clip["walk"] = data.draw(st.sampled_from([None, "walk", [[1, 2], [3]], {"a": 1}, 5]))
        elif kind == "truncate":
            text = json.dumps({**clip, "walk": walk.tolist()})
            text = text[: data.draw(st.integers(0, len(text)))]
        else:
            text = data.draw(st.sampled_from(["", "[]", "{}", "null"]))
    if clip["walk"] is not None and isinstance(clip["walk"], list) and text is None:
        clip["walk"] = walk.tolist()
    option_rate = data.draw(st.sampled_from(BAD_OPTION_RATES))
    with tempfile.TemporaryDirectory(prefix="rl_gait_fuzz_") as tmp:
        path = Path(tmp) / "walk1.json"
        path.write_text(text if text is not None else json.dumps(clip))
        _check(path, option_rate, Path(tmp) / "out")


def test_the_synthetic_strokeavatar_clip_ingests(tmp_path):
    path = tmp_path / "walk1.json"
    path.write_text(json.dumps(_mocap_clip()))
    assert ingest(path).sample_rate_hz == 120.0


# --- C3D (model angles, written with ezc3d)


def _c3d_points() -> dict[str, np.ndarray]:
    _, truth = _walk()
    pts = {}
    for s, side in (("r", "R"), ("l", "L")):
        for joint, label in (("hip", "Hip"), ("knee", "Knee"), ("ankle", "Ankle")):
            xyz = np.zeros((len(truth["time_s"]), 3))
            xyz[:, 0] = np.degrees(truth[f"{joint}_{s}"])
            pts[f"{side}{label}Angles"] = xyz
    return pts


def test_the_synthetic_c3d_ingests(tmp_path):
    pytest.importorskip("ezc3d")
    assert ingest(write_c3d(tmp_path / "walk.c3d", _c3d_points(), 100.0)).sample_rate_hz == 100.0


@_fuzz_settings(80)
@given(data=st.data())
def test_c3d_never_raises_a_traceback(data):
    pytest.importorskip("ezc3d")
    points = _c3d_points()
    rate = 100.0
    truncate = None
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["non_finite", "constant", "scale", "swap", "few", "rate", "truncate"]))
        label = data.draw(st.sampled_from(sorted(points)))
        if kind == "non_finite":
            start = data.draw(st.integers(0, len(points[label]) - 1))
            points[label][start:start + data.draw(st.sampled_from([1, 5, 50, 5000])), 0] = data.draw(
                st.sampled_from([math.nan, math.inf]))
        elif kind == "constant":
            points[label][:, 0] = data.draw(st.sampled_from([0.0, 10.0]))
        elif kind == "scale":
            points[label][:, 0] *= data.draw(st.sampled_from(SCALES))
        elif kind == "swap":
            points = {_swap_side(k.replace("L", "l_", 1).replace("R", "r_", 1)).replace("l_", "L", 1)
                      .replace("r_", "R", 1): v for k, v in points.items()}
        elif kind == "few":
            k = data.draw(st.sampled_from([1, 2, 20]))
            points = {name: v[:k] for name, v in points.items()}
        elif kind == "rate":  # patched into the written file: ezc3d will not write such a rate
            rate = data.draw(st.sampled_from([0.0, -100.0, math.nan, math.inf, 1e-9, 1e9]))
        else:
            truncate = data.draw(st.floats(0.0, 1.0))
    option_rate = data.draw(st.sampled_from(BAD_OPTION_RATES))
    with tempfile.TemporaryDirectory(prefix="rl_gait_fuzz_") as tmp:
        path = Path(tmp) / "walk.c3d"
        raw = write_c3d(path, points, 100.0).read_bytes()
        if rate != 100.0:  # the header's and POINT:RATE's float32
            raw = raw.replace(struct.pack("<f", 100.0), struct.pack("<f", rate))
        if truncate is not None:
            raw = raw[: int(truncate * len(raw))]
        path.write_bytes(raw)
        _check(path, option_rate, Path(tmp) / "out")
