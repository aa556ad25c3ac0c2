"""Cost of one learner minibatch update, CPU vs GPU: PPO alone and the hybrid (PPO + BC + GAIL discriminator).

Runs without Ray, RLlib or MuJoCo (plain torch, for an accelerator machine): networks of the learner's
shapes — policy actor and critic encoders 2 × 256 tanh on the 67-float observation (``POLICY_MODEL``,
``OBSERVATION_SIZES``), a per-joint free log std, the discriminator 2 × 256 ReLU on the 2 × 16 style
features — and the project's own loss functions (``rl_gait/learner/losses.py``, loaded by path):
PPO's clipped surrogate + value loss + entropy as RLlib 2.60 computes them, ``bc_mse_loss`` on 512
demonstration states, ``discriminator_bce_loss`` + ``gradient_penalty`` with its own Adam. Prints the
seconds per minibatch update and per 4,000-step iteration (5 epochs) for each device and minibatch size.

    python benchmarks/learner_update.py [--devices cpu cuda] [--minibatch 500 1000 4000] [--repeats 20]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from pathlib import Path

import torch
from torch import nn

OBS_DIM, ACT_DIM, STYLE_DIM, HIDDEN = 67, 6, 16, 256
BATCH, EPOCHS, DEMO_BATCH = 4000, 5, 512


def _losses():
    path = Path(__file__).resolve().parents[1] / "rl_gait" / "learner" / "losses.py"
    spec = importlib.util.spec_from_file_location("rl_gait_losses", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def mlp(n_in: int, n_out: int, act: type[nn.Module]) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, HIDDEN), act(), nn.Linear(HIDDEN, HIDDEN), act(), nn.Linear(HIDDEN, n_out))


class Nets(nn.Module):
    def __init__(self):
        super().__init__()
        self.actor = mlp(OBS_DIM, ACT_DIM, nn.Tanh)
        self.log_std = nn.Parameter(torch.zeros(ACT_DIM))
        self.critic = mlp(OBS_DIM, 1, nn.Tanh)
        self.disc = mlp(2 * STYLE_DIM, 1, nn.ReLU)


def make_update(nets: Nets, L, hybrid: bool):
    policy_params = [p for n, p in nets.named_parameters() if not n.startswith("disc")]
    opt = torch.optim.Adam(policy_params, lr=3e-4)
    opt_d = torch.optim.Adam(nets.disc.parameters(), lr=3e-5)

    def update(mb: dict[str, torch.Tensor], demo: dict[str, torch.Tensor]) -> None:
        mean = nets.actor(mb["obs"])
        dist = torch.distributions.Normal(mean, nets.log_std.exp())
        logp = dist.log_prob(mb["actions"]).sum(-1)
        ratio = torch.exp(logp - mb["logp_old"])
        adv = mb["advantages"]
        surrogate = torch.minimum(adv * ratio, adv * torch.clamp(ratio, 0.8, 1.2))
        values = nets.critic(mb["obs"]).squeeze(-1)
        vf_loss = torch.clamp((values - mb["returns"]) ** 2, 0.0, 10.0)
        loss = -surrogate.mean() + vf_loss.mean() - 0.0 * dist.entropy().sum(-1).mean()
        if hybrid:
            loss = loss + 0.5 * L.bc_mse_loss(nets.actor(demo["obs"]), demo["actions"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if hybrid:
            logits_policy = nets.disc(mb["style"]).squeeze(-1)
            feats = demo["style"].clone().requires_grad_(True)
            logits_expert = nets.disc(feats).squeeze(-1)
            d_loss = L.discriminator_bce_loss(logits_expert, logits_policy) + 10.0 * L.gradient_penalty(logits_expert, feats)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()

    return update


def measure(device: str, minibatch: int, hybrid: bool, repeats: int, L) -> float:
    """Seconds per minibatch update (median of ``repeats`` after warm-up)."""
    g = torch.Generator().manual_seed(0)
    nets = Nets().to(device)
    update = make_update(nets, L, hybrid)

    def rand(*shape):
        return torch.randn(*shape, generator=g).to(device)

    mb = {"obs": rand(minibatch, OBS_DIM), "actions": rand(minibatch, ACT_DIM), "logp_old": rand(minibatch),
          "advantages": rand(minibatch), "returns": rand(minibatch), "style": rand(minibatch, 2 * STYLE_DIM)}
    demo = {"obs": rand(DEMO_BATCH, OBS_DIM), "actions": rand(DEMO_BATCH, ACT_DIM), "style": rand(DEMO_BATCH, 2 * STYLE_DIM)}
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    for _ in range(5):
        update(mb, demo)
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        update(mb, demo)
        sync()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devices", nargs="+", default=["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
    ap.add_argument("--minibatch", nargs="+", type=int, default=[500, 1000, 4000])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--cpu-threads", type=int, default=1, help="torch threads on the CPU (the learner uses 1)")
    ap.add_argument("--out", type=Path, default=None, help="also write the results as JSON")
    args = ap.parse_args()
    torch.set_num_threads(args.cpu_threads)
    L = _losses()
    rows = []
    print(f"{'device':>6} {'minibatch':>9} {'learner':>8} {'s/update':>9} {'s/iteration':>11}  "
          f"(iteration = {BATCH} steps x {EPOCHS} epochs)")
    for device in args.devices:
        name = torch.cuda.get_device_name() if device.startswith("cuda") else f"cpu x{args.cpu_threads}"
        for minibatch in args.minibatch:
            for hybrid in (False, True):
                s = measure(device, minibatch, hybrid, args.repeats, L)
                per_iter = s * EPOCHS * (BATCH // minibatch)
                rows.append({"device": name, "minibatch": minibatch, "hybrid": hybrid, "s_per_update": s,
                             "s_per_iteration": per_iter})
                print(f"{device:>6} {minibatch:>9} {'hybrid' if hybrid else 'PPO':>8} {s:9.4f} {per_iter:11.3f}")
    cpu = {(r["minibatch"], r["hybrid"]): r["s_per_iteration"] for r in rows if r["device"].startswith("cpu")}
    for r in rows:
        if not r["device"].startswith("cpu") and (r["minibatch"], r["hybrid"]) in cpu:
            print(f"{r['device']}: minibatch {r['minibatch']} {'hybrid' if r['hybrid'] else 'PPO'}: "
                  f"{cpu[(r['minibatch'], r['hybrid'])] / r['s_per_iteration']:.1f}x faster than the CPU")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
