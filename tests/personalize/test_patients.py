"""Patients from references and from the real StrokeAvatar patient clips."""

from pathlib import Path

import pytest

from rl_gait.errors import InputFormatError
from rl_gait.personalize.patients import discover_patients, load_patient

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_reference_npz_roundtrip_keeps_the_prior(tmp_path, patient_p1):
    path = patient_p1.reference.save(tmp_path / "p1.npz")
    loaded = load_patient(path)
    # pseudonymous: a hash of the reference's content, not its file name
    assert loaded.patient_id.startswith("subject-") and "p1" not in loaded.patient_id
    assert load_patient(path).patient_id == loaded.patient_id and loaded.prior.paretic_side == "l"
    assert "p1" not in loaded.source and str(tmp_path) not in loaded.source
    assert loaded.prior.rom_ratio == pytest.approx(patient_p1.prior.rom_ratio)
    assert loaded.prior.rom_ratio < 1.0
    assert discover_patients(tmp_path) == [path]


def test_missing_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(InputFormatError, match="not found"):
        load_patient(tmp_path / "nope.npz")
    with pytest.raises(InputFormatError, match="no patient inputs"):
        discover_patients(tmp_path)


@pytest.mark.skipif(not (DATA / "strokeavatar" / "imu_patient").is_dir(), reason="../shared/data is absent")
def test_real_stroke_clip_gives_a_weaker_paretic_side():
    # walk460-463 are consecutive one-cycle clips of one recording
    patient = load_patient([DATA / "strokeavatar" / "imu_patient" / f"walk{i}.json" for i in range(460, 464)])
    assert patient.prior.paretic_side in ("l", "r")
    # the stiff knee of these clips (range ~6-20° vs ~69°) must show as a reduced range of motion
    assert patient.prior.rom_ratio < 0.8
    from rl_gait.personalize.space import search_space_for

    start = search_space_for(patient.prior).centre()
    paretic, other = patient.prior.paretic_side, "l" if patient.prior.paretic_side == "r" else "r"
    assert getattr(start, f"kp_scale_{paretic}") < getattr(start, f"kp_scale_{other}")
