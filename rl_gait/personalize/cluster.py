"""How a sweep fits the Ray cluster it runs on: trial concurrency that follows the cluster as it grows, and
storage that every node can see.

Concurrency: :class:`ClusterConcurrencyLimiter` re-reads ``ray.cluster_resources()`` every few seconds and lets
as many trials run as the cluster's CPUs hold now, plus a few queued ones (:func:`trial_concurrency`). The
queued trials are what an autoscaler sees as demand: on a fresh AWS cluster (head with 0 CPUs, no workers)
the first trials wait, a worker is added for them, the limit grows with its CPUs, and so on up to the
launcher's ``max_workers``. A limit computed once at the start would stay at what the empty cluster held.

Storage: Tune keeps the experiment (trial checkpoints, the searcher's state) under ``storage_path``, and a
trial may resume on another node, so on a cluster of several nodes the path must be one every node sees
(``s3://…``, or a shared file system mounted at the same place everywhere). :func:`check_storage_shared`
writes a marker there and asks every live node whether it sees it, and refuses the sweep in one line if one
does not.
"""

from __future__ import annotations

import math
import secrets
import time
from pathlib import Path

from ray.tune.search import ConcurrencyLimiter, Searcher

from rl_gait.errors import RlGaitError

QUEUED_TRIALS = 2
"""Trials suggested beyond what the cluster's CPUs hold now: pending demand for an autoscaler (each pending
trial is suggested by Optuna before the running ones report, so more would blunt the search)."""
REFRESH_S = 5.0
"""How often :class:`ClusterConcurrencyLimiter` re-reads the cluster's resources (s)."""


def trial_concurrency(cluster_cpus: float, cpus_per_trial: int, *, queued_trials: int = QUEUED_TRIALS,
                      cap: int | None = None) -> int:
    """Trials allowed at once: ``floor(cluster_cpus / cpus_per_trial) + queued_trials``, at most ``cap``
    (a user's ``--max-concurrent``), at least 1.

    Example: 0 CPUs (a head node alone), 1 CPU per trial, 2 queued → 2; after a 16-CPU worker joins → 18; with
    2 CPUs per trial → 8 + 2 = 10; capped at 4 → 4.
    """
    if cpus_per_trial < 1 or queued_trials < 0:
        raise ValueError("need cpus_per_trial >= 1 and queued_trials >= 0")
    n = math.floor(max(0.0, float(cluster_cpus)) / cpus_per_trial) + queued_trials
    if cap is not None:
        n = min(n, int(cap))
    return max(1, n)


class ClusterConcurrencyLimiter(ConcurrencyLimiter):
    """Tune's :class:`~ray.tune.search.ConcurrencyLimiter` whose limit follows the cluster: before each
    suggestion, at most every ``refresh_s`` seconds, ``max_concurrent`` becomes :func:`trial_concurrency` of the
    cluster's CPUs now (``cluster_cpus``: how to read them, default ``ray.cluster_resources()``).

    The limiter lives on the Tune driver and is restored with the experiment on a resume, where it goes on
    following the cluster (a limit fixed at the start would be restored too).
    """

    def __init__(self, searcher: Searcher, cpus_per_trial: int, *, queued_trials: int = QUEUED_TRIALS,
                 cap: int | None = None, refresh_s: float = REFRESH_S, cluster_cpus=None):
        self.cpus_per_trial = int(cpus_per_trial)
        self.queued_trials = int(queued_trials)
        self.cap = cap
        self.refresh_s = float(refresh_s)
        self._cluster_cpus = cluster_cpus
        self._refreshed_at = -math.inf
        super().__init__(searcher, max_concurrent=self._limit_now())
        self._refreshed_at = time.monotonic()

    def _limit_now(self) -> int:
        if self._cluster_cpus is not None:
            cpus = self._cluster_cpus()
        else:
            import ray

            cpus = ray.cluster_resources().get("CPU", 0.0) if ray.is_initialized() else 0.0
        return trial_concurrency(cpus, self.cpus_per_trial, queued_trials=self.queued_trials, cap=self.cap)

    def refresh(self, now_s: float | None = None) -> int:
        """Re-read the cluster if ``refresh_s`` has passed since the last read; returns ``max_concurrent``."""
        now_s = time.monotonic() if now_s is None else now_s
        if now_s - self._refreshed_at >= self.refresh_s:
            self.max_concurrent = self._limit_now()
            self._refreshed_at = now_s
        return self.max_concurrent

    def suggest(self, trial_id: str) -> dict | None:
        self.refresh()
        return super().suggest(trial_id)

    def __getstate__(self) -> dict:
        # Tune pickles the search algorithm with the experiment; a reader function is process-local and the
        # monotonic clock means nothing in another process
        state = self.__dict__.copy()
        state["_cluster_cpus"] = None
        state["_refreshed_at"] = -math.inf
        return state


def is_remote_storage(storage_path: str) -> bool:
    """``s3://…``, ``gs://…`` and other URIs (pyarrow file systems), as opposed to a path on this machine."""
    return "://" in storage_path


def check_storage_shared(storage_path: str, *, timeout_s: float = 60.0) -> None:
    """Refuse a local ``storage_path`` that some live node of the connected Ray cluster cannot see.

    Nothing to check for a URI (every node reaches it), a single node, or before Ray runs. Otherwise a marker file is written
    under ``storage_path`` and a zero-CPU task pinned to each live node looks for it; the marker is removed
    afterwards. Raises :class:`RlGaitError` naming how many nodes do not see it, with the fix.
    """
    import ray

    if is_remote_storage(storage_path) or not ray.is_initialized():
        return
    nodes = [n["NodeID"] for n in ray.nodes() if n.get("Alive")]
    if len(nodes) <= 1:
        return
    root = Path(storage_path)
    root.mkdir(parents=True, exist_ok=True)
    marker = root / f".rl_gait_shared_{secrets.token_hex(8)}"
    marker.write_text("rl_gait storage check\n")
    try:
        seen = nodes_seeing(str(marker), nodes, timeout_s=timeout_s)
    finally:
        marker.unlink(missing_ok=True)
    blind = [n for n in nodes if not seen.get(n, False)]
    if blind:
        raise RlGaitError(
            f"{len(blind)} of the cluster's {len(nodes)} nodes cannot see the storage path {storage_path}, and a "
            "trial may resume on any node", path=None,
            fix="pass --storage-path s3://BUCKET/prefix or a shared file system (NFS) mounted at the same path on "
                "every node")


def nodes_seeing(path: str, node_ids: list[str], *, timeout_s: float = 60.0) -> dict[str, bool]:
    """``{node id: whether os.path.exists(path) there}``, one zero-CPU task pinned to each node; a node that
    does not answer within ``timeout_s`` counts as not seeing it."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    @ray.remote(num_cpus=0, max_retries=0)
    def _exists(p: str) -> bool:
        import os

        return os.path.exists(p)

    refs = {n: _exists.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False)).remote(path)
            for n in node_ids}
    ready, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=timeout_s)
    done = set(ready)
    seen = {}
    for node, ref in refs.items():
        try:
            seen[node] = bool(ray.get(ref)) if ref in done else False
        except Exception:  # a node that died while answering does not see it
            seen[node] = False
    return seen
