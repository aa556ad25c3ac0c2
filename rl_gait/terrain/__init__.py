"""Terrain for the walking tasks: built once per model, re-posed in place per task."""

from rl_gait.terrain.terrain import (
    GroundProfile,
    TerrainLayout,
    add_terrain,
    apply_task,
    feature_end_x_m,
    ground_height_m,
)

__all__ = ["GroundProfile", "TerrainLayout", "add_terrain", "apply_task", "feature_end_x_m", "ground_height_m"]
