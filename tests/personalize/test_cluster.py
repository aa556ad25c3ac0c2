"""Trial concurrency that follows the cluster (hand-computed limits, a growing fake cluster) and the refusal of a
local storage path that some node cannot see."""

from __future__ import annotations

import pytest
from ray.tune.search import Searcher

from rl_gait.errors import RlGaitError
from rl_gait.personalize import cluster
from rl_gait.personalize.cluster import ClusterConcurrencyLimiter, check_storage_shared, trial_concurrency


def test_trial_concurrency_hand_computed():
    assert trial_concurrency(0, 1) == 2  # a head with 0 CPUs, no workers: two trials queued for the autoscaler
    assert trial_concurrency(16, 1) == 18  # a 16-CPU worker joined
    assert trial_concurrency(16, 2) == 10  # 2 CPUs per trial (one env runner): 8 running + 2 queued
    assert trial_concurrency(16, 1, cap=4) == 4
    assert trial_concurrency(3.5, 2, queued_trials=0) == 1  # floor(1.75) = 1
    assert trial_concurrency(0, 1, queued_trials=0) == 1  # never 0: a sweep always asks for one trial
    with pytest.raises(ValueError):
        trial_concurrency(4, 0)


class _Counter(Searcher):
    """Suggests ``{"i": n}`` forever."""

    def __init__(self):
        super().__init__(metric="objective", mode="min")
        self.n = 0

    def suggest(self, trial_id):
        self.n += 1
        return {"i": self.n}

    def on_trial_complete(self, trial_id, result=None, error=False):
        pass


def _suggest_until_refused(limiter, start):
    given = []
    while limiter.suggest(f"t{start + len(given)}") is not None:
        given.append(f"t{start + len(given)}")
    return given


def test_limiter_follows_the_cluster_as_it_grows():
    cpus = {"now": 0.0}
    limiter = ClusterConcurrencyLimiter(_Counter(), cpus_per_trial=1, refresh_s=5.0, cluster_cpus=lambda: cpus["now"])
    first = _suggest_until_refused(limiter, 0)
    assert len(first) == 2  # empty cluster: the two queued trials an autoscaler sees
    cpus["now"] = 4.0  # a worker with 4 CPUs joined
    assert _suggest_until_refused(limiter, 10) == []  # not re-read yet (every refresh_s)
    assert limiter.refresh(now_s=limiter._refreshed_at + 5.0) == 6
    assert len(_suggest_until_refused(limiter, 20)) == 4  # 4 running + 2 queued = 6 live
    limiter.on_trial_complete(first[0], result={"objective": 1.0})
    assert len(_suggest_until_refused(limiter, 30)) == 1  # a finished trial frees its place


def test_limiter_cap_and_pickled_state():
    import pickle

    limiter = ClusterConcurrencyLimiter(_Counter(), cpus_per_trial=1, cap=3, cluster_cpus=lambda: 64.0)
    assert limiter.max_concurrent == 3
    restored = pickle.loads(pickle.dumps(limiter))  # Tune pickles the search algorithm with the experiment
    assert restored._cluster_cpus is None and restored.cap == 3 and restored.refresh(now_s=0.0) >= 1


def _fake_cluster(monkeypatch, alive: list[str], seen: dict[str, bool]):
    import ray

    monkeypatch.setattr(ray, "is_initialized", lambda: True)
    monkeypatch.setattr(ray, "nodes", lambda: [{"NodeID": n, "Alive": True} for n in alive])
    probed = []

    def fake_nodes_seeing(path, node_ids, timeout_s=60.0):
        from pathlib import Path

        probed.append(Path(path).is_file())  # the marker exists while the nodes look for it
        return {n: seen[n] for n in node_ids}

    monkeypatch.setattr(cluster, "nodes_seeing", fake_nodes_seeing)
    return probed


def test_multinode_with_storage_some_node_cannot_see_is_refused_in_one_line(tmp_path, monkeypatch):
    probed = _fake_cluster(monkeypatch, ["head", "w1", "w2"], {"head": True, "w1": False, "w2": True})
    with pytest.raises(RlGaitError) as err:
        check_storage_shared(str(tmp_path / "tune"))
    text = str(err.value)
    assert "\n" not in text and "1 of the cluster's 3 nodes" in text and "fix: pass --storage-path s3://" in text
    assert probed == [True] and not list((tmp_path / "tune").iterdir()), "the marker is removed"


def test_shared_storage_single_node_and_uris_pass(tmp_path, monkeypatch):
    probed = _fake_cluster(monkeypatch, ["head", "w1"], {"head": True, "w1": True})
    check_storage_shared(str(tmp_path / "nfs"))
    check_storage_shared("s3://bucket/rl_gait/tune")  # a URI: not probed
    assert probed == [True]
    _fake_cluster(monkeypatch, ["head"], {"head": False})
    check_storage_shared(str(tmp_path / "local"))  # one node: nothing to share
