"""The JSON module, the schemas and the one loader: strict JSON, round trips, migrations, one-line errors."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from rl_gait.errors import InputFormatError
from rl_gait.io import documents as D
from rl_gait.io.jsonio import (
    dumps,
    loads_strict,
    read_json,
    sha256_bytes,
    sha256_file,
    sha256_files,
    to_jsonable,
)

PACKAGE = Path(__file__).resolve().parents[2] / "rl_gait"


def _strict(text: str):
    def refuse(name):
        raise ValueError(name)
    return json.loads(text, parse_constant=refuse)


def test_every_json_file_shipped_in_the_package_is_strict_json():
    files = sorted((PACKAGE / "data").rglob("*.json"))
    assert len(files) >= 8  # schemas, atlas, task priors, atlas policy, sample patient
    for f in files:
        _strict(f.read_text())


def test_every_schema_is_a_valid_draft_2020_12_schema_with_its_version():
    import jsonschema

    for name, kind in D.KINDS.items():
        schema = D.schema(name)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["properties"]["schema"] == {"const": kind.tag}


def test_the_package_imports_no_private_ray_module():
    offenders = [p for p in PACKAGE.rglob("*.py") if "ray._private" in p.read_text()]
    assert offenders == []


def test_to_jsonable_is_strict_and_knows_the_project_types():
    from rl_gait.body import BodyParams
    from rl_gait.reference import healthy_reference

    @dataclasses.dataclass(frozen=True)
    class P:
        x: float
        arr: np.ndarray
        path: Path

    out = to_jsonable({"a": math.nan, "b": (np.float32(1.5), np.int64(2), np.bool_(True)), "c": -math.inf,
                       "p": P(math.nan, np.array([1.0, np.nan]), Path("x/y"))})
    assert out == {"a": None, "b": [1.5, 2, True], "c": None, "p": {"x": None, "arr": [1.0, None], "path": "x/y"}}
    assert "NaN" not in dumps({"v": math.nan}) and loads_strict(dumps({"v": math.nan})) == {"v": None}
    assert to_jsonable(BodyParams())["height_m"] == BodyParams().height_m
    ref = to_jsonable(healthy_reference())
    assert ref["type"] == "ReferenceMotion" and len(ref["joint_angles_sha256"]) == 64
    with pytest.raises(TypeError, match="no JSON form for object"):
        to_jsonable(object())


def test_strict_reader_refuses_nan_truncated_and_empty_files_in_one_line(tmp_path):
    cases = {"nan.json": '{"x": NaN}', "inf.json": '{"x": -Infinity}', "cut.json": '{"x": [1, 2', "empty.json": ""}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(InputFormatError) as err:
            read_json(tmp_path / name)
        assert "\n" not in str(err.value) and name in str(err.value)


def test_one_hashing_helper(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "w.bin").write_bytes(b"abc")
    (tmp_path / "s.json").write_text("{}")
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha256("abc")
    assert sha256_bytes(b"abc") == sha256_file(tmp_path / "a" / "w.bin") == digest
    assert sha256_files(tmp_path, exclude=("s.json",)) == {"a/w.bin": digest}


def test_trial_round_trips_through_its_schema(tmp_path):
    from rl_gait.ingest import GaitTrial, ingest

    csv = PACKAGE / "data" / "sample_patient" / "sample_patient_imu.csv"
    trial = ingest([csv])
    trial.save(tmp_path)
    doc = D.load_document(tmp_path / "trial.json", "trial")
    assert doc["schema"] == "rl_gait.trial/1"
    _strict((tmp_path / "trial.json").read_text())
    undefined = [k for k, v in trial.spatiotemporal.items() if not math.isfinite(v)]
    assert all(doc["spatiotemporal"][k] is None for k in undefined)  # undefined → null
    back = GaitTrial.load(tmp_path)
    assert back.paretic_side == trial.paretic_side and np.array_equal(back.joint_angles_rad, trial.joint_angles_rad)
    assert all(math.isnan(back.spatiotemporal[k]) for k in undefined)


def test_older_versions_are_migrated_in_one_place_and_unknown_ones_refused(tmp_path):
    v1 = {"format": "rl_gait.checkpoint", "format_version": 1, "package_version": "0.1.0", "git_sha": None,
          "patient_id": "p1", "command": "rl-gait train", "mode": "hybrid", "env_id": "rl_gait/LevelWalk-v0",
          "env_version": "0", "env_kwargs": {"stair_fit": True}, "weights_sha256": "0" * 64}
    (tmp_path / "rl_gait.json").write_text(json.dumps(v1))
    doc = D.load_document(tmp_path / "rl_gait.json", "checkpoint")
    assert doc["schema"] == "rl_gait.checkpoint/2" and doc["env_config"] is None and doc["files_sha256"] is None
    assert doc["env_kwargs"] == {"stair_fit": True} and "format" not in doc
    (tmp_path / "rl_gait.json").write_text(json.dumps({**v1, "format_version": 7}))
    with pytest.raises(InputFormatError, match="version 7 is newer"):
        D.load_document(tmp_path / "rl_gait.json", "checkpoint")
    (tmp_path / "p.json").write_text(json.dumps({"schema": "rl_gait.personalization/0"}))
    with pytest.raises(InputFormatError, match="personalization/1 field `patient_id`: missing"):
        D.load_document(tmp_path / "p.json", "personalization")


def test_atlas_of_version_1_still_loads(tmp_path):
    import shutil

    from rl_gait.atlas import load_atlas

    src = PACKAGE / "data" / "atlas"
    shutil.copy(src / "atlas_v1.npz", tmp_path / "a.npz")
    meta = json.loads((src / "atlas_v1.json").read_text())
    del meta["schema"]
    meta.update(format="rl_gait.HealthyAtlas", format_version=1)
    (tmp_path / "a.json").write_text(json.dumps(meta))
    assert load_atlas(tmp_path / "a.npz").meta["schema"] == "rl_gait.atlas/2"
    meta["regressions"]["curves__optical"]["speed_ref_m_s"] = "fast"
    (tmp_path / "a.json").write_text(json.dumps(meta))
    with pytest.raises(InputFormatError, match="regressions/curves__optical/speed_ref_m_s`: expected a number"):
        load_atlas(tmp_path / "a.npz")


def test_personalization_round_trips_and_bad_fields_name_the_field(tmp_path):
    from rl_gait.personalize.space import Candidate, PatientPrior

    doc = {"patient_id": "p1", "objective": 1.25, "trial_id": "t0", "candidate": Candidate().to_dict(),
           "fidelity": {"rmse_deg_mean": 4.0, "stance_symmetry_index_pct": math.nan}, "checkpoint": "p1/checkpoint",
           "n_trials": 2, "source": "p1", "prior": PatientPrior("p1", "l", 0.8)}
    D.write_document(tmp_path / "personalization.json", "personalization", doc)
    back = D.load_document(tmp_path / "personalization.json", "personalization")
    assert back["fidelity"]["stance_symmetry_index_pct"] is None and back["prior"]["paretic_side"] == "l"
    back["n_trials"] = 0
    (tmp_path / "personalization.json").write_text(json.dumps(back))
    with pytest.raises(InputFormatError, match=r"field `n_trials`: expected a number ≥ 1"):
        D.load_document(tmp_path / "personalization.json", "personalization")
