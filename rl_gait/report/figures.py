"""Report figures (matplotlib, Agg) as PNG bytes; angles in degrees at this edge."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from rl_gait.joints import JOINT_NAMES, SIDE_NAMES

_VERDICT_COLOURS = {"safe": "#2e7d32", "supervised": "#f9a825", "not recommended": "#c62828"}


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def gps_figure(gvs_deg: dict[str, float], gps: dict[str, float]) -> bytes:
    """Gait variable scores per joint (deg RMS vs the atlas), with the overall GPS as a line."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 2.8))
    names = [n for n in JOINT_NAMES if n in gvs_deg]
    ax.bar(names, [gvs_deg[n] for n in names], color=["#1565c0" if n.endswith("_r") else "#6a1b9a" for n in names])
    if gps.get("overall") is not None:
        ax.axhline(gps["overall"], color="k", ls="--", lw=1, label=f"GPS {gps['overall']:.1f}°")
        ax.legend(loc="upper right")
    ax.set_ylabel("GVS vs healthy atlas (°)")
    ax.set_title("Gait Profile Score: deviation from the healthy atlas")
    return _png(fig)


def fidelity_figure(measured_rad: dict[str, np.ndarray], simulated_rad: np.ndarray | None,
                    estimated: tuple[str, ...] = ()) -> bytes:
    """Level walk: the patient's measured mean curves vs the personalized simulation's, per joint.

    ``measured_rad``: joint → ``[101]`` (phase 0 = that side's initial contact); ``simulated_rad``:
    ``[101, 6]`` (phase 0 = right initial contact; left curves are shifted by half a cycle); joints in
    ``estimated`` were not measured (drawn dashed, labelled estimated)."""
    plt = _plt()
    fig, axes = plt.subplots(2, 3, figsize=(9, 4.6), sharex=True)
    pct = np.arange(101)
    for j, name in enumerate(JOINT_NAMES):
        ax = axes[j // 3, j % 3]
        if name in measured_rad and name in estimated:
            ax.plot(pct, np.degrees(measured_rad[name]), color="k", lw=1.5, ls="--", label="estimated (not measured)")
        elif name in measured_rad:
            ax.plot(pct, np.degrees(measured_rad[name]), color="k", lw=2, label="measured (IMU)")
        if simulated_rad is not None and np.isfinite(simulated_rad[:, j]).all():
            sim = simulated_rad[:, j] if name.endswith("_r") else np.roll(simulated_rad[:-1, j], -50).tolist() + \
                [simulated_rad[50, j]]
            ax.plot(pct, np.degrees(sim), color="#e65100", lw=1.5, label="simulated")
        ax.set_title(f"{name.split('_')[0]} ({SIDE_NAMES[name[-1]]})", fontsize=9)
        if j % 3 == 0:
            ax.set_ylabel("angle (°)")
        if j // 3 == 1:
            ax.set_xlabel("% gait cycle")
    seen: set[str] = set()
    for ax in axes.ravel():  # a legend wherever a line kind first appears
        labels = set(ax.get_legend_handles_labels()[1])
        if labels - seen:
            ax.legend(fontsize=7)
            seen |= labels
    fig.suptitle("Level-walk fidelity of the personalized simulation")
    return _png(fig)


def success_figure(doc: dict[str, Any]) -> bytes:
    """Success rate (with 95 % Wilson interval) against difficulty, one panel per terrain."""
    plt = _plt()
    fig, (ax_s, ax_t) = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
    styles = {"slope_up": ("#1565c0", "-"), "slope_down": ("#1565c0", "--"),
              "stairs_up": ("#6a1b9a", "-"), "stairs_down": ("#6a1b9a", "--")}
    level = doc["families"].get("level", {}).get("levels", [None])[0]
    for fam, f in doc["families"].items():
        if fam == "level":
            continue
        ax = ax_s if fam.startswith("slope") else ax_t
        lv = ([level] if level else []) + f["levels"]
        x = [v["difficulty"] for v in lv]
        y = [100 * v["success_rate"] for v in lv]
        lo = [100 * v["success_ci95"][0] for v in lv]
        hi = [100 * v["success_ci95"][1] for v in lv]
        colour, ls = styles[fam]
        ax.plot(x, y, ls, color=colour, marker="o", label=fam.replace("_", " "))
        ax.fill_between(x, lo, hi, color=colour, alpha=0.12)
        for v in lv:
            ax.plot(v["difficulty"], 100 * v["success_rate"], "o", ms=9, mfc="none",
                    mec=_VERDICT_COLOURS[v["verdict"]], mew=2)
    ax_s.set_xlabel("slope grade (°)")
    ax_t.set_xlabel("stair rise (cm)")
    ax_s.set_ylabel("success (%)")
    for ax in (ax_s, ax_t):
        ax.set_ylim(-5, 105)
        if ax.get_legend_handles_labels()[0]:  # a panel without its families (predict --tasks level) has none
            ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle("Predicted success vs difficulty (ring colour = verdict; band = 95% CI)")
    return _png(fig)


def task_curves_figure(title: str, sim_rad: np.ndarray, atlas_rad: np.ndarray, ref_rad: np.ndarray | None) -> bytes:
    """Simulated joint curves of one task level vs the healthy atlas (and the patient's reference)."""
    plt = _plt()
    fig, axes = plt.subplots(2, 3, figsize=(9, 4.2), sharex=True)
    pct = np.arange(101)
    for j, name in enumerate(JOINT_NAMES):
        ax = axes[j // 3, j % 3]
        ax.plot(pct, np.degrees(atlas_rad[:, j]), color="#2e7d32", lw=1.5, label="healthy atlas")
        if ref_rad is not None:
            ax.plot(pct, np.degrees(ref_rad[:, j]), color="grey", lw=1, ls=":", label="patient reference")
        if np.isfinite(sim_rad[:, j]).all():
            ax.plot(pct, np.degrees(sim_rad[:, j]), color="#e65100", lw=1.5, label="simulated")
        ax.set_title(f"{name.split('_')[0]} ({SIDE_NAMES[name[-1]]})", fontsize=9)
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(title)
    return _png(fig)


def pelvic_obliquity_figure(measured_rad: np.ndarray | None, simulated_rad: np.ndarray | None) -> bytes:
    """Level walk: pelvic obliquity (left side up positive, :mod:`rl_gait.ingest.frontal`) over the right stride,
    the patient's measured stride-mean curve vs the 3D twin's (``[101]`` each, ``None``: not there)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 2.8))
    pct = np.arange(101)
    for curve, colour, label in ((measured_rad, "k", "measured"), (simulated_rad, "#e65100", "simulated (3D)")):
        if curve is not None and np.isfinite(curve).all():
            c = np.degrees(curve)
            ax.plot(pct, c, color=colour, lw=1.5, label=f"{label}: range {c.max() - c.min():.1f}°")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    ax.set_xlabel("right stride (%)")
    ax.set_ylabel("pelvic obliquity (°, left up +)")
    ax.set_title("Pelvic obliquity, level walk")
    ax.grid(alpha=0.3)
    return _png(fig)


def hip_adduction_figure(measured_rad: dict[str, np.ndarray], simulated_rad: dict[str, np.ndarray]) -> bytes:
    """Level walk: hip ab/adduction (adduction positive, :mod:`rl_gait.ingest.frontal`) per side, each over that
    side's own stride (phase 0 = its initial contact), the patient's measured stride-mean curve vs the 3D twin's
    (``{"r": [101], "l": [101]}`` each; a side left out or not finite is not drawn)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9, 2.8), sharey=True)
    pct = np.arange(101)
    for ax, side in zip(axes, ("r", "l"), strict=True):
        for curves, colour, label in ((measured_rad, "k", "measured"), (simulated_rad, "#e65100", "simulated (3D)")):
            curve = curves.get(side)
            if curve is not None and np.isfinite(curve).all():
                c = np.degrees(curve)
                ax.plot(pct, c, color=colour, lw=1.5, label=f"{label}: range {c.max() - c.min():.1f}°")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        ax.set_xlabel(f"{SIDE_NAMES[side]} stride (%)")
        ax.set_title(f"hip ab/adduction ({SIDE_NAMES[side]})", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("hip adduction (°, adduction +)")
    fig.suptitle("Hip ab/adduction, level walk", y=1.03)
    return _png(fig)
