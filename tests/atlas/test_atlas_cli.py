"""End-to-end smoke of `rl-gait atlas build|show`, and the atlas stage's dependency floor."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rl_gait.atlas import load_atlas
from rl_gait.cli import main

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
needs_data = pytest.mark.skipif(not (DATA / "strokeavatar").is_dir(), reason=f"shared data folder {DATA} is absent")


@needs_data
def test_cli_build_then_show(tmp_path, capsys):
    out = tmp_path / "my_atlas.npz"
    assert main(["atlas", "build", "--source", str(DATA), "--out", str(out)]) == 0
    atlas = load_atlas(out)
    assert atlas.meta["command"].startswith("rl-gait atlas build")
    assert "Schwartz2008 RMS optical/Free" in capsys.readouterr().out
    png = tmp_path / "atlas.png"
    assert main(["atlas", "show", "--speed", "1.2", "--atlas", str(out), "--out", str(png)]) == 0
    assert png.stat().st_size > 10_000
    np.testing.assert_allclose(atlas.mean_curves(1.2), load_atlas().mean_curves(1.2), atol=1e-5)


def test_cli_bad_source_is_one_line_error(tmp_path, capsys):
    assert main(["atlas", "build", "--source", str(tmp_path), "--out", str(tmp_path / "a.npz")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "mocap_healthy" in err


def test_atlas_and_reference_import_no_ray_torch_mujoco():
    code = ("import sys, rl_gait.atlas, rl_gait.reference, rl_gait.atlas.build, rl_gait.atlas.cli;"
            "bad = [m for m in ('ray', 'torch', 'mujoco') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
