"""``rl-gait atlas show``: mean ± SD curves of the atlas at one speed (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rl_gait.atlas.model import HealthyAtlas
from rl_gait.joints import JOINT_NAMES, JOINT_TYPES, SIDE_NAMES, SIDES


def plot_atlas(atlas: HealthyAtlas, speed_m_s: float, out: str | Path) -> Path:
    """One panel per joint type; both sources, both sides, mean ± 1 SD bands (degrees)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    phase = np.linspace(0, 100, 101)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    styles = {("optical", "r"): "tab:red", ("optical", "l"): "tab:blue",
              ("imu", "r"): "salmon", ("imu", "l"): "lightskyblue"}
    for ax, jt in zip(axes, JOINT_TYPES, strict=True):
        for src in atlas.curves:
            mean = np.rad2deg(atlas.mean_curves(speed_m_s, src))
            sd = np.rad2deg(atlas.sd_curves(src))
            for s in SIDES:
                j = JOINT_NAMES.index(f"{jt}_{s}")
                if not np.all(np.isfinite(mean[j])):
                    continue
                c = styles[(src, s)]
                ls = "-" if src == "optical" else "--"
                ax.plot(phase, mean[j], ls, color=c, label=f"{src} {SIDE_NAMES[s]} (n={int(atlas.curves[src].n[j, 0])})")
                ax.fill_between(phase, mean[j] - sd[j], mean[j] + sd[j], color=c, alpha=0.15, lw=0)
        ax.set_title(f"{jt} ({'dorsiflexion' if jt == 'ankle' else 'flexion'} +)")
        ax.set_xlabel("% gait cycle from the side's initial contact")
        ax.set_ylabel("angle (deg)")
        ax.axhline(0, color="k", lw=0.5)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Healthy Motion Atlas v{atlas.meta.get('version', '?')} at {speed_m_s:.2f} m/s (mean ± 1 SD)")
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
