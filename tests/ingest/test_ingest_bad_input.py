"""Every bad input of issue 3 gives ONE line naming the file, the problem and the fix — never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ingest_synthetic import synthetic_walk

from rl_gait.cli import main
from rl_gait.errors import DataQualityError, InputFormatError, RlGaitError
from rl_gait.ingest import ingest
from rl_gait.ingest.formats.generic_csv import write_generic_imu_csv

LEGS = ("pelvis", "thigh_r", "shank_r", "thigh_l", "shank_l")


def _walk(**kw):
    sensors, _ = synthetic_walk(segments=LEGS, seed=1, **kw)
    return {s: {k: v for k, v in d.items() if k != "quat"} for s, d in sensors.items()}


def _one_line(err: RlGaitError, path: Path | str, *words: str) -> None:
    msg = str(err)
    assert "\n" not in msg and str(path) in msg and "fix:" in msg, msg
    for w in words:
        assert w in msg, msg


def _raises(exc, path, *words, **kw):
    with pytest.raises(exc) as e:
        ingest(path, **kw)
    _one_line(e.value, path, *words)


def test_missing_columns(tmp_path):
    p = tmp_path / "nogyro.csv"
    p.write_text("# sample_rate_hz: 100\ntime_s,shank_r_acc_x,shank_r_acc_y\n0,1,2\n0.01,1,2\n")
    _raises(InputFormatError, p, "gyr")


def test_missing_sensor(tmp_path):
    s = _walk()
    del s["shank_l"], s["thigh_l"]
    p = write_generic_imu_csv(tmp_path / "oneleg.csv", 100.0, s)
    _raises(InputFormatError, p.parent, "need both shanks")


def test_short_nan_run_repaired_long_refused(tmp_path):
    s = _walk()
    s["shank_r"]["gyr"][500:505] = np.nan  # 50 ms: repaired
    trial = ingest(write_generic_imu_csv(tmp_path / "short.csv", 100.0, s))
    assert len(trial.strides["r"]) >= 2
    s["shank_r"]["gyr"][800:850] = np.nan  # 0.5 s: refused
    p = write_generic_imu_csv(tmp_path / "long.csv", 100.0, s)
    _raises(DataQualityError, p, "50 consecutive")


def test_dropped_packets_in_xsens_export(tmp_path):
    src = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "movingreality" / "pp02"
    if not src.is_dir():
        pytest.skip(f"real data folder {src} is absent")
    for f in src.iterdir():
        lines = f.read_text().splitlines(keepends=True)
        if f.name.startswith("MT_"):
            lines = lines[:13 + 6000]
            if f.name.endswith("86.txt"):  # left shank drops 0.4 s of packets
                del lines[13 + 3000:13 + 3040]
        (tmp_path / f.name).write_text("".join(lines))
    _raises(DataQualityError, tmp_path, "40 consecutive")


def test_wrong_units(tmp_path):
    s = _walk()
    s["shank_r"]["gyr"] = np.degrees(s["shank_r"]["gyr"])
    _raises(DataQualityError, write_generic_imu_csv(tmp_path / "deg.csv", 100.0, s), "deg/s")
    s = _walk()
    s["thigh_l"]["acc"] = s["thigh_l"]["acc"] / 9.81
    _raises(DataQualityError, write_generic_imu_csv(tmp_path / "g.csv", 100.0, s), "in g")


def test_sample_rate_mismatch(tmp_path):
    s = _walk()
    for seg, fs in (("shank_r", 100), ("shank_l", 128)):
        with open(tmp_path / f"{seg}.csv", "w") as f:
            f.write(f"# segment: {seg}\n# sample_rate_hz: {fs}\nacc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n")
            np.savetxt(f, np.hstack([s[seg]["acc"], s[seg]["gyr"]]), delimiter=",")
    _raises(DataQualityError, tmp_path, "sample-rate mismatch")


def test_too_short_for_two_strides(tmp_path):
    s, _ = synthetic_walk(segments=LEGS, n_strides=1.6, seed=2)
    _raises(DataQualityError, write_generic_imu_csv(tmp_path / "short.csv", 100.0, s), "at least 2")


def test_no_walking(tmp_path):
    rng = np.random.default_rng(0)
    s, _ = synthetic_walk(segments=LEGS, n_strides=10.0, seed=2)
    for d in s.values():  # standing still for the whole recording
        d.pop("quat")
        d["acc"] = np.tile(d["acc"][0], (len(d["acc"]), 1)) + 0.05 * rng.standard_normal(d["acc"].shape)
        d["gyr"] = 0.01 * rng.standard_normal(d["gyr"].shape)
    _raises(DataQualityError, write_generic_imu_csv(tmp_path / "stand.csv", 100.0, s), "no walking")


def test_left_right_swapped_shanks_flagged(tmp_path):
    s, _ = synthetic_walk(seed=1)  # with feet: shank/foot pairs reveal the swap
    s["shank_r"], s["shank_l"] = s["shank_l"], s["shank_r"]
    _raises(DataQualityError, write_generic_imu_csv(tmp_path / "swap.csv", 100.0, s), "swapped")


def test_empty_and_truncated_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    _raises(InputFormatError, empty, "empty")
    p = write_generic_imu_csv(tmp_path / "trunc.csv", 100.0, _walk())
    text = p.read_text()
    p.write_text(text[: len(text) - 40])  # cut inside the last row
    _raises(InputFormatError, p, "truncated")


def test_cli_prints_one_error_line(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["ingest", str(empty), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err


def test_default_subject_id_follows_the_data_not_the_file_names(tmp_path):
    """Two people recorded with the same sensors have the same file names: their pseudonymous ids must
    differ; the same recordings (in any folder, any order) keep one id."""
    from rl_gait.io.jsonio import sha256_file as sha256
    from rl_gait.pseudonym import pseudonymous_id

    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d, text in ((a, "1 2 3"), (b, "4 5 6"), (c, "1 2 3")):
        d.mkdir()
        (d / "MT_00B47786.txt").write_text(text)
        (d / "MT_00B4778E.txt").write_text("same")
    ids = [pseudonymous_id([sha256(f) for f in sorted(d.iterdir())]) for d in (a, b, c)]
    assert ids[0] != ids[1] and ids[0] == ids[2] and ids[0].startswith("subject-") and len(ids[0]) == 18
    assert pseudonymous_id([sha256(f) for f in sorted(a.iterdir(), reverse=True)]) == ids[0]
