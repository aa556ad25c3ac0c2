"""Structural checks of the KubeRay manifests (no Kubernetes API server is needed)."""

from pathlib import Path

import pytest
import ray
import yaml

KUBERAY = Path(__file__).resolve().parents[2] / "cluster" / "kuberay"
REPO = KUBERAY.parents[1]


def _docs(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((KUBERAY / name).read_text()) if d]


def _cluster_spec(doc: dict) -> dict:
    return doc["spec"] if doc["kind"] == "RayCluster" else doc["spec"]["rayClusterSpec"]


def _pod_templates(spec: dict) -> list[dict]:
    return [spec["headGroupSpec"]["template"]] + [g["template"] for g in spec["workerGroupSpecs"]]


RAY_DOCS = [("raycluster.yaml", "RayCluster"), ("rayjob.yaml", "RayJob")]


@pytest.mark.parametrize(("name", "kind"), RAY_DOCS)
def test_kind_version_and_pinned_ray(name, kind):
    (doc,) = _docs(name)
    assert doc["apiVersion"] == "ray.io/v1" and doc["kind"] == kind
    assert doc["metadata"]["name"].startswith("rl-gait")
    spec = _cluster_spec(doc)
    assert spec["rayVersion"] == ray.__version__ == "2.60.0"
    assert spec["workerGroupSpecs"], "at least one worker group"
    for group in spec["workerGroupSpecs"]:
        assert 0 <= group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]


@pytest.mark.parametrize(("name", "kind"), RAY_DOCS)
def test_pods_share_storage_auth_and_image(name, kind):
    (doc,) = _docs(name)
    spec = _cluster_spec(doc)
    assert spec["authOptions"] == {"mode": "token"}, "KubeRay >= 1.5.1 generates and injects the token"
    images = set()
    for template in _pod_templates(spec):
        pod = template["spec"]
        claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]}
        (container,) = pod["containers"]
        images.add(container["image"])
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert claims[mounts["/mnt/rl_gait"]] == "rl-gait-shared"
        env = {e["name"]: e for e in container["env"]}
        # token auth comes from the operator (authOptions), never from a hand-made Secret in the pods
        assert "RAY_AUTH_TOKEN" not in env and "RAY_AUTH_MODE" not in env
        res = container["resources"]
        assert res["requests"] == res["limits"], "guaranteed QoS: trials get the CPUs they asked for"
    assert len(images) == 1, "head and workers must run the same image (same Ray, same package)"
    dockerfile = (REPO / "cluster" / "Dockerfile").read_text()
    assert f"FROM rayproject/ray:{ray.__version__}-py311-cpu" in dockerfile
    assert "pip install -q /home/ray/rl_gait" in dockerfile


@pytest.mark.parametrize(("name", "kind"), RAY_DOCS)
def test_nothing_exposed_publicly(name, kind):
    (doc,) = _docs(name)
    spec = _cluster_spec(doc)
    assert spec["headGroupSpec"]["serviceType"] == "ClusterIP"
    assert spec["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    for path in KUBERAY.glob("*.yaml"):
        for d in _docs(path.name):
            assert d["kind"] not in ("Ingress", "Service"), f"{path.name} exposes a service"
            assert "LoadBalancer" not in yaml.safe_dump(d) and "NodePort" not in yaml.safe_dump(d)


def test_shared_volume_is_read_write_many():
    (pvc,) = _docs("storage.yaml")
    assert pvc["kind"] == "PersistentVolumeClaim" and pvc["metadata"]["name"] == "rl-gait-shared"
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]


def test_rayjob_runs_the_cohort_script_and_cleans_up():
    (job,) = _docs("rayjob.yaml")
    spec = job["spec"]
    assert spec["shutdownAfterJobFinishes"] is True
    assert spec["entrypoint"].split()[:2] == ["python", "experiments/personalize_cohort.py"]
    submitter = spec["submitterPodTemplate"]["spec"]["containers"][0]
    # the operator gives the submitter the cluster's token too (authOptions, KubeRay >= 1.5.1)
    assert not {e["name"] for e in submitter.get("env", [])} & {"RAY_AUTH_MODE", "RAY_AUTH_TOKEN"}


def _docker_excluded(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last pattern matching the path or one of its parent folders decides
    (``!`` re-includes); ``*`` and ``?`` stay within one path element, ``**`` spans any number."""
    import re

    def regex(pattern: str) -> re.Pattern:
        out, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                out, i = out + ".*", i + 2
            else:
                out += {"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i]))
                i += 1
        return re.compile(out + "$")

    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for line in patterns:
        negate = line.startswith("!")
        rx = regex(line.lstrip("!").strip("/"))
        if any(rx.match(c) for c in candidates):
            excluded = not negate
    return excluded


def test_dockerignore_sends_only_what_the_image_copies():
    lines = [ln.strip() for ln in (REPO / ".dockerignore").read_text().splitlines()]
    patterns = [ln for ln in lines if ln and not ln.startswith("#")]
    copied = [src for ln in (REPO / "cluster" / "Dockerfile").read_text().splitlines() if ln.startswith("COPY")
              for src in ln.split()[2:-1]]
    assert copied, "the Dockerfile copies the package"
    for src in copied:
        assert not _docker_excluded(src, patterns), src
    assert not _docker_excluded("rl_gait/data/atlas/atlas_v1.npz", patterns)
    for private in (".git/HEAD", ".venv/bin/python", "runs/p01/report.html", "data/patients/p01/walk.csv",
                    "tests/learner/data/x.npz", ".ray/auth_token", "rl_gait/__pycache__/cli.cpython-311.pyc",
                    "experiments/runs/out.json", "signing.key", "ray_tmp/session_1/logs/raylet.out"):
        assert _docker_excluded(private, patterns), private
