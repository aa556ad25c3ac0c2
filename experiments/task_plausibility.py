"""Healthy-control tables of docs/task_plausibility.md from a ``predictions.json`` of ``rl-gait predict --healthy``.

    rl-gait predict --healthy --n-rollouts 20 --evaluate-untrained-strategies --out runs/healthy20
    python experiments/task_plausibility.py runs/healthy20

Prints three markdown tables: success per level (with the speed check against level walking and, where
rolled out, step-to), and the predicted speed, cadence, stance and peak hip/knee/ankle flexion per level against
the expected healthy bands of :mod:`rl_gait.predict.plausibility` (✓ inside, ✗ outside; levels outside the cited
data marked as extrapolation).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tyro

from rl_gait.predict.plausibility import expected_ranges, predicted_values
from rl_gait.predict.predict import load_predictions
from rl_gait.tasks import Task

METRICS = (("speed_m_s", "speed m/s", 2), ("cadence_steps_per_min", "cadence /min", 0), ("stance_pct", "stance %", 0),
           ("peak_hip_deg", "peak hip °", 0), ("peak_knee_deg", "peak knee °", 0), ("peak_ankle_deg", "peak ankle °", 0))


@dataclass(frozen=True)
class Args:
    predictions: tyro.conf.Positional[Path]  # a predictions.json or its folder


def success_table(doc: dict) -> list[str]:
    lines = ["| level | successes | falls | verdict | speed of successes m/s | × level | step-to (not trained) |",
             "|---|---|---|---|---|---|---|"]
    for f in doc["families"].values():
        for lv in f["levels"]:
            chk = lv.get("speed_check") or {}
            ratio = chk.get("ratio_to_level")
            ratio_s = "—" if ratio is None else f"{ratio:.2f}" + (" ✗" if chk.get("within") is False else "")
            st = (lv.get("strategies") or {}).get("step_to")
            st_s = "—" if not st else (f"{st['successes']}/{st['n_rollouts']}, {st['falls']} falls"
                                       if st["evaluated"] else "not evaluated")
            v = lv.get("speed_m_s_successful")
            lines.append(f"| {lv['task']} | {lv['successes']}/{lv['n_rollouts']} | {lv['falls']} | {lv['verdict']} | "
                         f"{'—' if v is None else f'{v:.2f}'} | {ratio_s} | {st_s} |")
    return lines


def plausibility_table(doc: dict) -> list[str]:
    head = "| level | " + " | ".join(name for _, name, _ in METRICS) + " | extrapolation |"
    lines = [head, "|" + "---|" * (len(METRICS) + 2)]
    for f in doc["families"].values():
        for lv in f["levels"]:
            bands = expected_ranges(Task.from_dict(lv["task_spec"]))
            got = predicted_values(lv)
            cells = []
            for key, _, nd in METRICS:
                b, x = bands[key], got[key]
                ok = b.contains(x)
                mark = "" if ok is None else (" ✓" if ok else " ✗")
                val = "—" if x is None else f"{x:.{nd}f}"
                cells.append(f"{val} [{b.low:.{nd}f}–{b.high:.{nd}f}]{mark}")
            lines.append(f"| {lv['task']} | " + " | ".join(cells) + f" | {'yes' if lv.get('extrapolation') else ''} |")
    return lines


def main(args: Args) -> None:
    doc = load_predictions(args.predictions)
    print(f"Command: {doc.get('command', '')}; {doc['settings']['n_rollouts']} rollouts per level\n")
    print("\n".join(success_table(doc)))
    print()
    print("\n".join(plausibility_table(doc)))
    srcs = {b.source for t in (Task(), Task("slope", grade_deg=5.0), Task("stairs", step_height_m=0.17))
            for b in expected_ranges(t).values()}
    print("\nBands from: " + "; ".join(sorted(srcs)))


if __name__ == "__main__":
    main(tyro.cli(Args, description=__doc__.splitlines()[0]))
