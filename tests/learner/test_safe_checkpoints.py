"""Checkpoints cannot run code: every file is hash-checked (and, with a key, the sidecar's HMAC) before
anything is read, the policy is safetensors + a JSON architecture, and no pickle is ever loaded from one."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rl_gait.errors import CheckpointError
from rl_gait.learner.checkpoint import (
    SIGNING_KEY_ENV,
    load_policy,
    read_sidecar,
    sign_checkpoint,
    update_sidecar,
)

REPO = Path(__file__).resolve().parents[2]
ATLAS = REPO / "rl_gait" / "data" / "atlas_policy"
SAMPLE_CSV = REPO / "rl_gait" / "data" / "sample_patient" / "sample_patient_imu.csv"


class _CreatesAFile:
    """Unpickling this creates the file ``path`` (what a malicious checkpoint would do)."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _evil_pickle(dest: Path, marker: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(pickle.dumps(_CreatesAFile(marker)))


def test_the_shipped_prior_gives_the_actions_of_the_pickled_policy_it_was_converted_from():
    """``tests/learner/data/atlas_policy_actions.npz``: 16 random and 16 level-walk observations and the
    deterministic actions of the shipped policy as RLlib's pickled module (before
    ``python -m rl_gait.learner.migrate rl_gait/data/atlas_policy rl_gait/data/atlas_policy``)."""
    with np.load(REPO / "tests" / "learner" / "data" / "atlas_policy_actions.npz") as z:
        obs, actions = z["obs"], z["actions"]
    # float32 rounding only: torch's matmul sums in another order with another thread count (seen: 7e-7)
    np.testing.assert_allclose(load_policy(ATLAS).act(obs), actions, rtol=0, atol=1e-5)
    assert not [p for p in (REPO / "rl_gait" / "data").rglob("*") if p.suffix in (".pkl", ".pickle", ".pt")]
    assert read_sidecar(ATLAS)["migrated"]["command"].startswith("python -m rl_gait.learner.migrate")


def test_loading_a_policy_unpickles_nothing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pickle used while loading a checkpoint")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    assert load_policy(ATLAS).act(np.zeros(67, np.float32)).shape == (6,)


@pytest.fixture()
def checkpoint(tmp_path) -> Path:
    dst = tmp_path / "ckpt"
    shutil.copytree(ATLAS, dst)
    update_sidecar(dst, note="a copy")  # rewritten outside the package: verified like any user checkpoint
    return dst


def test_any_altered_added_or_missing_file_is_refused_in_one_line(checkpoint, tmp_path):
    marker = tmp_path / "pwned"
    _evil_pickle(checkpoint / "learner_group" / "learner" / "rl_module" / "default_policy" / "module_state.pkl",
                 marker)
    with pytest.raises(CheckpointError, match="is not part of the saved checkpoint") as err:
        load_policy(checkpoint)
    assert "\n" not in str(err.value)
    shutil.rmtree(checkpoint / "learner_group")
    weights = checkpoint / "policy" / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="policy/weights.safetensors was altered"):
        load_policy(checkpoint)
    weights.unlink()
    with pytest.raises(CheckpointError, match="listed in rl_gait.json is missing"):
        load_policy(checkpoint)
    assert not marker.exists()


def test_a_consistent_but_pickled_checkpoint_is_refused_without_unpickling(tmp_path):
    """An attacker who rewrites the hashes too: a legacy (pickle) policy is never loaded, only migrated
    on request, so its pickle cannot run."""
    from rl_gait.learner.checkpoint import write_sidecar

    marker = tmp_path / "pwned"
    ckpt = tmp_path / "evil"
    module = ckpt / "learner_group" / "learner" / "rl_module" / "default_policy"
    _evil_pickle(module / "module_state.pkl", marker)
    _evil_pickle(module / "class_and_ctor_args.pkl", marker)
    write_sidecar(ckpt, {"command": "x", "patient_id": "p", "env_id": "rl_gait/LevelWalk-v0"})
    with pytest.raises(CheckpointError, match="pickle format"):
        load_policy(ckpt)
    assert not marker.exists()


def test_with_a_signing_key_only_checkpoints_signed_with_it_load(checkpoint, monkeypatch):
    monkeypatch.setenv(SIGNING_KEY_ENV, "a" * 64)
    with pytest.raises(CheckpointError, match="not signed"):
        load_policy(checkpoint)
    side = json.loads((checkpoint / "rl_gait.json").read_text())
    sign_checkpoint(checkpoint)  # its owner signs it (files verified first)
    assert load_policy(checkpoint).meta.signature["algorithm"] == "hmac-sha256"
    signed = json.loads((checkpoint / "rl_gait.json").read_text())
    signed["patient_id"] = "someone-else"  # any change to the sidecar breaks the signature
    (checkpoint / "rl_gait.json").write_text(json.dumps(signed))
    with pytest.raises(CheckpointError, match="signature does not match"):
        load_policy(checkpoint)
    monkeypatch.setenv(SIGNING_KEY_ENV, "b" * 64)
    signed["patient_id"] = side["patient_id"]
    (checkpoint / "rl_gait.json").write_text(json.dumps(signed))
    with pytest.raises(CheckpointError, match="signature does not match"):
        load_policy(checkpoint)


def test_tampered_warm_starts_are_refused_on_the_cli_in_one_line_and_nothing_is_unpickled(checkpoint, tmp_path):
    """``rl-gait train --warm-start`` and ``rl-gait personalize --warm-start``: a checkpoint with an added
    pickle that would create a file when unpickled."""
    from rl_gait.ingest import ingest

    trial = ingest([SAMPLE_CSV]).save(tmp_path / "trial")
    marker = tmp_path / "pwned"
    _evil_pickle(checkpoint / "policy" / "extra.pkl", marker)
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAY_ADDRESS": ""}
    commands = {
        "train": ["train", "--trial", str(trial), "--warm-start", str(checkpoint), "--budget", "smoke",
                  "--out", str(tmp_path / "out_train")],
        "personalize": ["personalize", "--trial", str(trial), "--warm-start", str(checkpoint), "--budget", "smoke",
                        "--out", str(tmp_path / "out_personalize")],
    }
    procs = {name: subprocess.Popen([sys.executable, "-m", "rl_gait.cli", *cmd], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
             for name, cmd in commands.items()}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        lines = err.strip().splitlines()
        assert proc.returncode != 0 and "Traceback" not in err, (name, err)
        assert lines and lines[-1].startswith("error: ") and "policy/extra.pkl" in lines[-1], (name, err)
        assert [ln for ln in lines if ln.startswith("error")] == [lines[-1]], (name, err)
    assert not marker.exists()


def test_edited_sidecars_are_refused_on_the_cli_in_one_line(tmp_path):
    """``rl-gait predict --checkpoint``: a sidecar that is truncated, of an unknown version, with a field of
    the wrong type or a malformed hash — one line naming the file and the field, before anything is read."""
    def edit(key, value):
        def apply(doc):
            doc[key] = value
            return json.dumps(doc)
        return apply

    cases = {
        "truncated": (lambda doc: json.dumps(doc)[:200], "not valid JSON"),
        "unknown_version": (edit("schema", "rl_gait.checkpoint/9"), "version 9 is newer"),
        "wrong_type": (edit("patient_id", 5), "field `patient_id`: expected a string"),
        "bad_hash": (edit("files_sha256", {"policy/weights.safetensors": "xyz"}), "field `files_sha256/policy"),
    }
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAY_ADDRESS": ""}
    procs = {}
    for name, (apply, _) in cases.items():
        ckpt = shutil.copytree(ATLAS, tmp_path / name)
        (ckpt / "rl_gait.json").write_text(apply(json.loads((ckpt / "rl_gait.json").read_text())))
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "rl_gait.cli", "predict", "--checkpoint", str(ckpt), "--tasks", "level",
             "--n-rollouts", "1", "--out", str(tmp_path / f"out_{name}")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    for name, proc in procs.items():
        _, err = proc.communicate(timeout=600)
        lines = err.strip().splitlines()
        assert proc.returncode != 0 and "Traceback" not in err, (name, err)
        assert len(lines) == 1 and lines[0].startswith("error: ") and "rl_gait.json" in lines[0], (name, err)
        assert cases[name][1] in lines[0], (name, lines[0])


def test_resume_verifies_the_saved_algorithm_before_rllib_unpickles_it(tmp_path):
    """``resume_algorithm`` (Tune trial and curriculum resumes) checks :data:`ALGORITHM_DIGEST` first."""
    from rl_gait.io.jsonio import sha256_files, write_json
    from rl_gait.learner.checkpoint import ALGORITHM_DIGEST, bytes_digest, resume_algorithm

    class Algo:  # stands for RLlib's Algorithm: restore_from_path is where pickles would be loaded
        restored = None

        def restore_from_path(self, path):
            self.restored = path

        class metrics:  # noqa: N801
            @staticmethod
            def delete(*args, **kwargs):
                pass

    saved = tmp_path / "algorithm"
    _evil_pickle(saved / "learner_group" / "state.pkl", tmp_path / "unused")  # stands for RLlib's own pickles
    files = sha256_files(saved)
    write_json(saved / ALGORITHM_DIGEST, {"files_sha256": files,
                                          "digest": bytes_digest(json.dumps(files, sort_keys=True,
                                                                            separators=(",", ":")).encode())})
    algo = Algo()
    resume_algorithm(algo, saved)
    assert algo.restored == str(saved)
    _evil_pickle(saved / "learner_group" / "state.pkl", tmp_path / "pwned")  # swapped after saving
    algo = Algo()
    with pytest.raises(CheckpointError, match="state.pkl differs from what was saved"):
        resume_algorithm(algo, saved)
    assert algo.restored is None
    (saved / ALGORITHM_DIGEST).unlink()
    with pytest.raises(CheckpointError, match="not saved by rl_gait"):
        resume_algorithm(algo, saved)
