"""The bundled synthetic patient: pure pieces of the generator and recovery through the real ingestion."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from rl_gait.pipeline.sample_patient import (
    SAMPLE_CSV,
    SAMPLE_DIR,
    SAMPLE_SIDECAR,
    RecordingSettings,
    generate,
    specific_force_sensor,
    write_csv,
)
from rl_gait.reference.impaired import ImpairmentModel


def test_specific_force_of_a_still_sensor():
    # upright and still: +9.81 on the sensor z axis; tilted 90° (distal end forward): on −x
    f = specific_force_sensor(np.zeros((2, 3)), np.array([0.0, np.pi / 2]))
    np.testing.assert_allclose(f[0], [0, 0, 9.81], atol=1e-12)
    np.testing.assert_allclose(f[1], [9.81, 0, 0], atol=1e-12)


def test_shipped_file_matches_its_sidecar_and_the_generator(tmp_path):
    side = json.loads((SAMPLE_DIR / SAMPLE_SIDECAR).read_text())
    shipped = (SAMPLE_DIR / SAMPLE_CSV).read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == side["files"][SAMPLE_CSV]
    assert len(shipped) < 2_000_000
    assert "python -m rl_gait.pipeline.sample_patient" in side["command"]
    model = ImpairmentModel(**side["impairment_model"])
    settings = RecordingSettings(**side["recording"])
    regenerated = write_csv(generate(model, settings), tmp_path / SAMPLE_CSV).read_bytes()
    assert regenerated == shipped  # seeded: the generator reproduces the shipped file byte for byte


def test_ingesting_the_sample_recovers_paretic_side_and_knee_reduction():
    from rl_gait.ingest import IngestOptions, ingest

    side = json.loads((SAMPLE_DIR / SAMPLE_SIDECAR).read_text())
    truth = side["truth"]
    trial = ingest([SAMPLE_DIR / SAMPLE_CSV], height_m=side["ingest"]["height_m"], mass_kg=side["ingest"]["mass_kg"],
                   options=IngestOptions(walk_distance_m=side["ingest"]["walk_distance_m"]))
    assert trial.paretic_side == truth["paretic_side"]
    assert trial.paretic_confidence > 0.7
    p, o = ("l", "r") if truth["paretic_side"] == "left" else ("r", "l")
    peak = {s: float(np.degrees(trial.curves_mean_rad[trial.joint_names.index(f"knee_{s}")].max())) for s in "rl"}
    assert peak[p] / peak[o] == pytest.approx(truth["knee_peak_ratio_paretic_to_nonparetic"], abs=0.1)
    assert peak[o] == pytest.approx(truth["peak_knee_flexion_deg"][f"knee_{o}"], abs=6.0)
    assert trial.spatiotemporal["speed_m_s"] == pytest.approx(truth["speed_m_s"], rel=0.1)
    # longer non-paretic stance survives ingestion
    assert trial.spatiotemporal[f"stance_pct_{o}"] > trial.spatiotemporal[f"stance_pct_{p}"] + 3.0
    assert min(len(trial.strides["r"]), len(trial.strides["l"])) >= 10
