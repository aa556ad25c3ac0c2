"""Walking tasks: the terrain a patient walks on and the goal speed. Pure Python, no simulator.

A :class:`Task` is what the atlas conditions its priors on, what a ``ReferenceMotion`` is made for,
what an env builds its terrain from, and what predictions are reported per. Difficulty levels of a
curriculum are lists of tasks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Literal

TerrainKind = Literal["level", "slope", "stairs"]
TERRAIN_KINDS: tuple[str, ...] = ("level", "slope", "stairs")
TERRAIN_CLASSES: tuple[str, ...] = ("level", "slope_up", "slope_down", "stairs_up", "stairs_down")
"""A task's terrain and its direction (up / down): the curriculum's families."""


@dataclass(frozen=True)
class Task:
    """One walking task.

    Attributes:
        terrain: ``"level"``, ``"slope"`` or ``"stairs"``.
        grade_deg: slope angle in degrees, positive uphill, negative downhill (slope only).
        step_height_m: stair rise in metres (stairs only).
        step_depth_m: stair tread depth (going) in metres (stairs only).
        ascending: stairs up (``True``) or down (``False``).
        speed_m_s: target walking speed along the path in m/s; ``None`` = the reference's own speed.
    """

    terrain: TerrainKind = "level"
    grade_deg: float = 0.0
    step_height_m: float = 0.0
    step_depth_m: float = 0.30
    ascending: bool = True
    speed_m_s: float | None = None

    def __post_init__(self) -> None:
        if self.terrain not in TERRAIN_KINDS:
            raise ValueError(f"terrain must be one of {TERRAIN_KINDS}, got {self.terrain!r}")
        if self.terrain == "slope" and not -30.0 <= self.grade_deg <= 30.0:
            raise ValueError(f"grade_deg must be within ±30°, got {self.grade_deg}")
        if self.terrain == "stairs" and not (0.0 < self.step_height_m <= 0.30 and 0.15 <= self.step_depth_m <= 0.6):
            raise ValueError(
                f"stairs need 0 < step_height_m <= 0.30 and 0.15 <= step_depth_m <= 0.6, got "
                f"{self.step_height_m}, {self.step_depth_m}"
            )

    @property
    def name(self) -> str:
        """Short stable label, e.g. ``level``, ``slope_up_10deg``, ``stairs_down_15cm``,
        ``level_1.2mps`` (a target speed is appended when set)."""
        speed = "" if self.speed_m_s is None else f"_{self.speed_m_s:g}mps"
        if self.terrain == "level":
            return "level" + speed
        if self.terrain == "slope":
            direction = "up" if self.grade_deg >= 0 else "down"
            return f"slope_{direction}_{abs(self.grade_deg):g}deg{speed}"
        direction = "up" if self.ascending else "down"
        return f"stairs_{direction}_{round(self.step_height_m * 100, 1):g}cm{speed}"

    @property
    def signed_rise(self) -> float:
        """Signed difficulty: grade in degrees (slope) or signed step height in m (stairs), 0 level."""
        if self.terrain == "slope":
            return self.grade_deg
        if self.terrain == "stairs":
            return self.step_height_m if self.ascending else -self.step_height_m
        return 0.0

    def with_speed(self, speed_m_s: float | None) -> Task:
        return replace(self, speed_m_s=speed_m_s)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Task:
        return cls(**d)


LEVEL = Task()
