"""A real multi-node Ray cluster on one machine: separate ``ray start`` processes, stopped by pid.

Used by the multi-node test, the resume test and ``benchmarks/tune_scaling.py``. Each node is a
``ray start --block`` process in its own session with its own CPU count; :meth:`LocalRayCluster.stop`
ends exactly those process groups (never ``ray stop``, which would kill every Ray on the host).
Ray 2.60 uses token authentication: the cluster gets a fresh token passed through the environment
(``RAY_AUTH_MODE=token``, ``RAY_AUTH_TOKEN``) to its nodes and to any driver started with :attr:`env`;
nothing is written to ``~/.ray``. The token is 256 random bits (``secrets.token_hex(32)``, what Ray's
own generator makes).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ray_executable() -> str:
    candidate = Path(sys.executable).with_name("ray")
    return str(candidate) if candidate.exists() else "ray"


class LocalRayCluster:
    """``n_nodes`` Ray nodes (one head) of ``cpus_per_node`` CPUs each, as separate processes.

    Use as a context manager; :attr:`address` (``127.0.0.1:PORT``) and :attr:`env` (the auth
    variables) are what a driver needs.
    """

    def __init__(self, n_nodes: int = 2, cpus_per_node: int = 1, *, temp_root: str | None = None):
        if n_nodes < 1 or cpus_per_node < 1:
            raise ValueError("need n_nodes >= 1 and cpus_per_node >= 1")
        self.n_nodes = n_nodes
        self.cpus_per_node = cpus_per_node
        # short path outside any working_dir: Unix sockets live in it (107-byte limit)
        self.temp_dir = tempfile.mkdtemp(prefix="rgray", dir=temp_root or "/tmp")
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32),
                    "RAY_USAGE_STATS_ENABLED": "0", "RAY_ADDRESS": self.address}
        self.env.pop("RAY_AUTH_TOKEN_PATH", None)
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        log = Path(self.temp_dir) / f"{name}.log"
        self.logs.append(log)
        with open(log, "wb") as fh:
            proc = subprocess.Popen([_ray_executable(), "start", *args, f"--num-cpus={self.cpus_per_node}",
                                     "--num-gpus=0", "--disable-usage-stats", "--block"],
                                    env={k: v for k, v in self.env.items() if k != "RAY_ADDRESS"},
                                    stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        return proc

    def _wait_for_port(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.processes[0].poll() is not None:
                raise RuntimeError(f"ray head exited: {self.logs[0].read_text()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"ray head did not open port {self.port} within {timeout_s} s")

    def start(self, timeout_s: float = 60.0) -> LocalRayCluster:
        self._start(["--head", f"--port={self.port}", "--node-ip-address=127.0.0.1", "--include-dashboard=false",
                     f"--temp-dir={self.temp_dir}"], "head")
        self._wait_for_port(timeout_s)
        for i in range(1, self.n_nodes):
            self._start([f"--address={self.address}", "--node-ip-address=127.0.0.1"], f"worker{i}")
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """SIGTERM each node's process group (workers first), SIGKILL what is left after ``timeout_s``."""
        for proc in reversed(self.processes):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout_s
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:  # children of the node (raylet, gcs, workers) share its process group
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.processes.clear()
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def __enter__(self) -> LocalRayCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for_nodes(n_nodes: int, timeout_s: float = 60.0) -> list[str]:
    """In a connected driver: wait until ``n_nodes`` nodes are alive; return their node ids."""
    import ray

    deadline = time.monotonic() + timeout_s
    while True:
        alive = [n["NodeID"] for n in ray.nodes() if n["Alive"]]
        if len(alive) >= n_nodes:
            return alive
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(alive)} of {n_nodes} Ray nodes joined within {timeout_s} s")
        time.sleep(0.5)
