"""The Ray cluster-launcher YAMLs pass Ray's own validation and keep the house rules."""

import copy
import re
from pathlib import Path

import pytest
import ray
import yaml
from ray.autoscaler._private.util import prepare_config, validate_config

CLUSTER = Path(__file__).resolve().parents[2] / "cluster"
LAUNCHER_CONFIGS = ["aws.yaml", "onprem.yaml"]


def _load(name: str) -> dict:
    return yaml.safe_load((CLUSTER / name).read_text())


def _commands(config: dict) -> str:
    keys = ("initialization_commands", "setup_commands", "head_setup_commands", "worker_setup_commands",
            "head_start_ray_commands", "worker_start_ray_commands")
    return "\n".join(cmd for k in keys for cmd in config.get(k, []))


@pytest.mark.parametrize("name", LAUNCHER_CONFIGS)
def test_ray_validates_launcher_config(name):
    config = _load(name)
    prepared = prepare_config(copy.deepcopy(config))
    validate_config(prepared)  # raises on a schema violation
    assert prepared["head_node_type"] in prepared["available_node_types"]


def test_validation_rejects_a_broken_config():
    """The check above can fail: an unknown top-level field is a schema error."""
    config = _load("aws.yaml")
    config["max_wrokers"] = 3
    with pytest.raises(Exception, match="max_wrokers"):
        validate_config(prepare_config(config))


@pytest.mark.parametrize("name", LAUNCHER_CONFIGS)
def test_launcher_config_pins_ray_and_installs_the_package(name):
    config = _load(name)
    text = _commands(config) + "\n" + str(config.get("docker", {}).get("image", ""))
    pins = set(re.findall(r"ray(?:\[[a-z,]+\])?==([0-9.]+)", text)) | set(re.findall(r"ray:([0-9.]+)-", text))
    assert ray.__version__ == "2.60.0"
    assert pins == {"2.60.0"}
    assert re.search(r"pip install -q -e ~/rl_gait", text), "setup must install this package"
    assert config["file_mounts"]["~/rl_gait"] == "."
    assert "~/.ray/auth_token" in config["file_mounts"], "workers need the cluster's auth token"
    for exclude in ("**/runs", "**/.venv", "**/ray_tmp"):
        assert exclude in config["rsync_exclude"]


@pytest.mark.parametrize("name", LAUNCHER_CONFIGS)
def test_dashboard_private_and_token_auth(name):
    config = _load(name)
    head = " ".join(config["head_start_ray_commands"])
    assert "--dashboard-host=127.0.0.1" in head
    assert "0.0.0.0" not in yaml.safe_dump(config)
    for cmd in config["head_start_ray_commands"] + config["worker_start_ray_commands"]:
        if "ray start" in cmd:
            assert "RAY_AUTH_MODE=token" in cmd


def test_aws_security_group_is_pre_created_and_storage_shared():
    """Every node type names the pre-created group: Ray's launcher then creates (and opens) none — it
    would add SSH from 0.0.0.0/0 to a group it makes (``_configure_security_group`` in
    ray/autoscaler/_private/aws/config.py returns early only when every node type has SecurityGroupIds)."""
    config = _load("aws.yaml")
    assert "security_group" not in config["provider"]
    for node_type in config["available_node_types"].values():
        assert node_type["node_config"]["SecurityGroupIds"] and node_type["node_config"]["SubnetIds"]
        assert "IamInstanceProfile" in node_type["node_config"], "nodes need S3 access for storage_path"
    prepared = prepare_config(copy.deepcopy(config))
    assert all("SecurityGroupIds" in t["node_config"] for t in prepared["available_node_types"].values())


def test_documented_commands_expand_no_tilde_on_the_laptop():
    """A `~` in a shell command typed on the laptop expands to the laptop's home, not the cluster's."""
    text = (CLUSTER / "README.md").read_text() + (CLUSTER / "aws.yaml").read_text().split("cluster_name")[0]
    for line in text.splitlines():
        if line.lstrip("# ").startswith(("ray ", "--", "kubectl ")) or " -- " in line:
            assert not re.search(r"(^|\s)~/", line), line


def test_onprem_shared_storage_mounted():
    config = _load("onprem.yaml")
    assert any("mount -t nfs" in cmd and "/mnt/rl_gait" in cmd for cmd in config["initialization_commands"])
    assert config["provider"]["type"] == "local"


def _cohort_parser():
    from script_loader import load_experiment

    return load_experiment("personalize_cohort").build_parser()


@pytest.mark.parametrize("name", LAUNCHER_CONFIGS)
def test_documented_ray_submit_command_parses(name):
    """The `ray submit ... -- ARGS` line in each config's header is accepted by the cohort script."""
    header = (CLUSTER / name).read_text().split("cluster_name")[0]
    lines = [ln.lstrip("# ").rstrip("\\ ") for ln in header.splitlines()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("ray submit"))
    args = " ".join(lines[start + 1:start + 3]).split()
    parsed = _cohort_parser().parse_args(args)
    assert parsed.budget == "standard" and parsed.storage_path and parsed.trials_dir


def test_rayjob_entrypoint_parses_and_job_upload_excludes_outputs():
    (job,) = [d for d in yaml.safe_load_all((CLUSTER / "kuberay" / "rayjob.yaml").read_text()) if d]
    parsed = _cohort_parser().parse_args(job["spec"]["entrypoint"].split()[2:])
    assert str(parsed.storage_path).startswith("/mnt/rl_gait")
    runtime_env = yaml.safe_load((CLUSTER / "job_runtime_env.yaml").read_text())
    for pattern in (".venv/", "runs/", "**/ray_results/", "**/ray_tmp/", "**/session_*/"):
        assert pattern in runtime_env["excludes"]
