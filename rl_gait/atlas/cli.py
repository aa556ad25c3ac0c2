"""``rl-gait atlas build`` and ``rl-gait atlas show``."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path


def _build(args: argparse.Namespace) -> int:
    from rl_gait.atlas.build import build_atlas

    command = args.command_line or (f"rl-gait atlas build --source {shlex.quote(str(args.source))} "
                                    f"--out {shlex.quote(str(args.out))}")
    atlas = build_atlas(args.source, command=command)
    path = atlas.save(args.out)
    c = atlas.meta["counts"]
    print(f"wrote {path} (+ {path.with_suffix('.json').name}): optical {c['optical']['strides']} strides, "
          f"imu {c['imu']['strides']} strides")
    for key, row in atlas.meta["schwartz2008_crosscheck"].items():
        rms = ", ".join(f"{k.replace('_rms_deg', '')} {v:.1f}°" for k, v in row.items() if k.endswith("_rms_deg"))
        print(f"  Schwartz2008 RMS {key} @ {row['speed_m_s']:.2f} m/s: {rms}")
    return 0


def _joint_model(args: argparse.Namespace) -> int:
    from rl_gait.atlas.joint_model import fit_joint_model

    command = args.command_line or (f"rl-gait atlas joint-model --source {shlex.quote(str(args.source))} "
                                    f"--out {shlex.quote(str(args.out))}")
    model = fit_joint_model(args.source, command=command)
    path = model.save(args.out)
    n = sum(c["side_samples"] for c in model.meta["counts"].values())
    print(f"wrote {path} (+ {path.with_suffix('.json').name}): {n} side samples, {len(model.mean)} dimensions")
    return 0


def _show(args: argparse.Namespace) -> int:
    from rl_gait.atlas.model import load_atlas
    from rl_gait.atlas.plot import plot_atlas

    atlas = load_atlas(args.atlas)
    out = plot_atlas(atlas, args.speed, args.out)
    print(f"wrote {out}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("atlas", help="Healthy Motion Atlas: build it from recordings or plot it")
    sub = p.add_subparsers(dest="atlas_command", metavar="ACTION")
    b = sub.add_parser("build", help="build the atlas from the shared healthy StrokeAvatar clips")
    b.add_argument("--source", type=Path, required=True, help="data folder holding strokeavatar/ and normative/")
    b.add_argument("--out", type=Path, required=True, help="output .npz (a .json sidecar is written beside it)")
    b.add_argument("--command-line", default=None, help=argparse.SUPPRESS)
    b.set_defaults(func=_build)
    m = sub.add_parser("joint-model", help="fit the model that estimates unmeasured joints (hip, knee, ankle)")
    m.add_argument("--source", type=Path, required=True, help="data folder holding strokeavatar/")
    m.add_argument("--out", type=Path, required=True, help="output .npz (a .json sidecar is written beside it)")
    m.add_argument("--command-line", default=None, help=argparse.SUPPRESS)
    m.set_defaults(func=_joint_model)
    s = sub.add_parser("show", help="plot mean ± SD curves at one speed")
    s.add_argument("--speed", type=float, default=1.0, help="walking speed in m/s (default 1.0)")
    s.add_argument("--atlas", type=Path, default=None, help="atlas .npz (default: the shipped one)")
    s.add_argument("--out", type=Path, default=Path("atlas.png"))
    s.set_defaults(func=_show)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])
