"""``rl-gait run --body-model 3d``: the personalization warm-starts each body from its own shipped prior (the 3D
level prior, ``rl_gait/data/atlas_policy_3d``); without one it trains the 3D body from random weights and says so. (The whole 3D job on the smoke budget:
`rl-gait demo --budget smoke --body-model 3d`, about a minute of stages.)"""

from __future__ import annotations

from types import SimpleNamespace

import rl_gait.learner.ray_session as ray_session
import rl_gait.personalize.patients as patients
import rl_gait.personalize.sweep as sweep_mod
from rl_gait.envs.config import WalkEnvConfig
from rl_gait.pipeline.run import PipelineBudget, personalize_stage


def _fake_sweep(monkeypatch, seen):
    def run_sweep(patients_, out, budget, **kw):
        seen.append(budget)
        return SimpleNamespace(patients={"p": SimpleNamespace(checkpoint_dir="ckpt", objective=1.0)})

    monkeypatch.setattr(sweep_mod, "run_sweep", run_sweep)
    monkeypatch.setattr(ray_session, "start_ray", lambda *a, **k: None)
    monkeypatch.setattr(patients, "load_patient", lambda d: SimpleNamespace(patient_id="p"))


def test_each_body_is_personalized_from_its_own_shipped_prior(monkeypatch, tmp_path):
    seen = []
    _fake_sweep(monkeypatch, seen)
    budget = PipelineBudget.preset("smoke")
    personalize_stage(tmp_path, budget, tmp_path / "o", 0, "cmd", env=WalkEnvConfig(body_model="3d"))
    personalize_stage(tmp_path, budget, tmp_path / "o", 0, "cmd")
    assert [(b.trial.env.body_model, b.trial.warm_start) for b in seen] == [("3d", "atlas"), ("planar", "atlas")]


def test_without_a_3d_prior_a_3d_personalization_starts_from_random_weights_and_says_why(monkeypatch, tmp_path,
                                                                                        capsys):
    import rl_gait.learner.checkpoint as ckpt

    monkeypatch.setitem(ckpt.ATLAS_POLICY_DIRS, "3d", tmp_path / "not_shipped")
    seen = []
    _fake_sweep(monkeypatch, seen)
    budget = PipelineBudget.preset("smoke")
    personalize_stage(tmp_path, budget, tmp_path / "o", 0, "cmd", env=WalkEnvConfig(body_model="3d"))
    personalize_stage(tmp_path, budget, tmp_path / "o", 0, "cmd")
    three_d, planar = (b.trial for b in seen)
    assert (three_d.env.body_model, three_d.warm_start) == ("3d", None)
    assert (planar.env.body_model, planar.warm_start) == ("planar", "atlas")
    out = capsys.readouterr().out
    assert out.count("no shipped 3d healthy prior") == 1 and "start from random weights" in out
