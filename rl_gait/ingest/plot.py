"""``kinematics.png``: stride-normalised joint angles per side, mean ± SD over strides (degrees)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rl_gait.ingest.trial import GaitTrial
from rl_gait.joints import JOINT_TYPES

_SIDE_STYLE = {"r": ("right", "tab:red"), "l": ("left", "tab:blue")}


def plot_kinematics(trial: GaitTrial, path: str | Path) -> Path:
    """Write one panel per joint type (hip, knee, ankle present) with both sides; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    types = [j for j in JOINT_TYPES if any(n.startswith(j + "_") for n in trial.joint_names)]
    fig, axes = plt.subplots(1, max(1, len(types)), figsize=(4.2 * max(1, len(types)), 3.4), squeeze=False)
    phase = np.linspace(0, 100, trial.curves_mean_rad.shape[1])
    for ax, jt in zip(axes[0], types, strict=False):
        for s, (label, color) in _SIDE_STYLE.items():
            name = f"{jt}_{s}"
            if name not in trial.joint_names:
                continue
            k = trial.joint_names.index(name)
            m, sd = np.degrees(trial.curves_mean_rad[k]), np.degrees(trial.curves_sd_rad[k])
            paretic = " (paretic)" if trial.paretic_side == label else ""
            if name in trial.estimated_joints:  # dashed, its band is the estimate's uncertainty
                ax.plot(phase, m, color=color, linestyle="--", label=f"{label}{paretic}, estimated ± 1 SD")
                ax.fill_between(phase, m - sd, m + sd, color=color, alpha=0.1, linewidth=0, hatch="//")
                continue
            ax.plot(phase, m, color=color, label=f"{label}{paretic}, n={len(trial.strides[s])}")
            ax.fill_between(phase, m - sd, m + sd, color=color, alpha=0.2, linewidth=0)
        ax.set_title({"hip": "hip flexion", "knee": "knee flexion", "ankle": "ankle dorsiflexion"}[jt])
        ax.set_xlabel("% gait cycle (0 = that side's initial contact)")
        ax.set_ylabel("angle (deg)")
        ax.axhline(0, color="0.6", linewidth=0.5)
        ax.legend(fontsize=8)
    fig.suptitle(f"{trial.subject_id}: paretic side {trial.paretic_side} "
                 f"(confidence {trial.paretic_confidence:.2f})", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
