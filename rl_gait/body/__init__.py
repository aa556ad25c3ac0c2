"""The personalized body: anthropometric scaling, PD parameters, the MjSpec builder."""

from rl_gait.body.anthropometry import Anthropometry, anthropometry
from rl_gait.body.params import BodyParams, PDParams, pd_torque_nm

__all__ = ["Anthropometry", "BodyParams", "PDParams", "anthropometry", "pd_torque_nm"]
