"""``start_ray``: joins a cluster without resource arguments, starts a local Ray with them; ``library_logs_to``
sends Ray's and the warnings' records to a file, not the console."""

from __future__ import annotations

import logging
import warnings

import pytest


@pytest.fixture
def fake_ray(monkeypatch):
    import ray

    import rl_gait.envs.registration as registration

    calls = []
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", lambda **kw: calls.append(kw))
    monkeypatch.setattr(registration, "register_with_ray", lambda: calls.append("registered"))
    return calls


def test_an_address_joins_the_cluster_without_resource_arguments(fake_ray):
    from rl_gait.learner.ray_session import start_ray

    start_ray("auto", num_cpus=2)
    (init, registered) = fake_ray
    assert init["address"] == "auto" and "num_cpus" not in init and "include_dashboard" not in init
    assert init["log_to_driver"] is False and registered == "registered"


def test_without_an_address_a_local_ray_gets_the_cpus(fake_ray, monkeypatch):
    from rl_gait.learner.ray_session import start_ray

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    start_ray(num_cpus=2)
    assert fake_ray[0]["num_cpus"] == 2 and "address" not in fake_ray[0] and fake_ray[1] == "registered"


def test_ray_address_in_the_environment_joins_that_cluster_without_resource_arguments(fake_ray, monkeypatch):
    """Inside ``ray job submit`` the entrypoint has ``RAY_ADDRESS``: ``ray.init(num_cpus=2)`` would be refused."""
    from rl_gait.learner.ray_session import start_ray

    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.1:6379")
    start_ray(num_cpus=2)
    assert fake_ray[0]["address"] == "10.0.0.1:6379" and "num_cpus" not in fake_ray[0]
    fake_ray.clear()
    start_ray("auto", num_cpus=2)  # an explicit address wins
    assert fake_ray[0]["address"] == "auto"


def test_library_logs_go_to_the_file_not_the_console(tmp_path, capsys, monkeypatch):
    import rl_gait.learner.ray_session as rs

    monkeypatch.setattr(rs, "_log_file", None)  # restored after the test
    names = [*rs.LIBRARY_LOGGERS, "ray.rllib", "ray.tune"]
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).propagate, logging.getLogger(n).level)
             for n in names}
    logging.captureWarnings(False)  # an earlier in-process run may have captured them under pytest's recorder
    try:
        path = rs.library_logs_to(tmp_path / "logs" / "libraries.log")
        logging.getLogger("ray._common.deprecation").warning("DeprecationWarning: `old` has been deprecated")
        logging.getLogger("ray.rllib.algorithms").warning("You are running PPO on the new API stack!")
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("WARN: Overriding environment", UserWarning, stacklevel=1)
        text = path.read_text()
        assert "has been deprecated" in text and "Overriding environment" in text and "new API stack" in text
        captured = capsys.readouterr()
        assert "deprecat" not in (captured.out + captured.err).lower()
    finally:
        logging.captureWarnings(False)
        for n, (handlers, propagate, level) in saved.items():
            logger = logging.getLogger(n)
            logger.handlers[:] = handlers
            logger.propagate, logger.level = propagate, level


def test_the_rllib_deprecation_marked_as_said_is_still_rllibs_own():
    """``RLModule.__init__`` still builds the deprecated ``RLModuleConfig`` itself: no caller can avoid that
    warning, which is why :data:`RLLIB_INTERNAL_DEPRECATIONS` lists it (drop the entry when this fails)."""
    import inspect

    from ray.rllib.core.rl_module.rl_module import RLModule

    from rl_gait.learner.ray_session import RLLIB_INTERNAL_DEPRECATIONS

    assert "self.config = RLModuleConfig(" in inspect.getsource(RLModule.__init__)
    assert RLLIB_INTERNAL_DEPRECATIONS == ("RLModule(config=[RLModuleConfig object])",)


def test_native_writes_to_fd_2_go_to_the_log_python_errors_stay_on_the_console(tmp_path):
    """In a fresh process (no test capture): what C code writes to descriptor 2 (Ray's core worker) lands in the
    library log; print(..., file=sys.stderr) (our one-line errors) still reaches the console."""
    import subprocess
    import sys
    import textwrap

    log = tmp_path / "logs" / "libraries.log"
    code = textwrap.dedent(f"""
        import os, sys
        from rl_gait.learner.ray_session import library_logs_to
        library_logs_to({str(log)!r})
        os.write(2, b"[E core_worker.cc:2465] native line\\\\n")
        print("error: python line", file=sys.stderr)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert "error: python line" in out.stderr and "native line" not in out.stderr
    assert "native line" in log.read_text() and "python line" not in log.read_text()


def test_under_a_capture_the_descriptor_is_left_alone(tmp_path):
    import sys

    from rl_gait.learner.ray_session import native_stderr_to

    try:
        if sys.stderr.fileno() == 2:
            pytest.skip("pytest runs without capture (-s): sys.stderr is descriptor 2")
    except (AttributeError, OSError, ValueError):
        pass
    assert native_stderr_to(tmp_path / "x.log") is False  # pytest's capture: sys.stderr is not descriptor 2
