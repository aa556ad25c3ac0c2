"""Shared fixtures: the real data folder and the default healthy reference."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MUJOCO_GL", "egl")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (it sits beside the checkout in CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def healthy_ref():
    from rl_gait.reference import healthy_reference

    return healthy_reference()


@pytest.fixture(scope="module", autouse=True)
def no_ray_across_modules():
    """Each test module starts without a Ray session left by another: ``start_ray`` reuses a running one, so a
    module that started Ray with 1 CPU and did not stop it left the next module's 2 EnvRunners waiting forever
    for a CPU. Ray is shut down after every module that left it running."""
    yield
    import sys

    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        ray.shutdown()
