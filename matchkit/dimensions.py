"""Pitch dimensions of the StatsBomb coordinate system, defined once for all plots."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PitchDimensions:
    """Pitch geometry in StatsBomb pitch units (origin top-left, y grows downwards).

    Every event is in the frame of the team that performed it, which attacks
    towards ``x = length`` in both halves.
    """

    length: float = 120.0
    width: float = 80.0
    penalty_area_depth: float = 18.0
    penalty_area_width: float = 44.0
    six_yard_depth: float = 6.0
    six_yard_width: float = 20.0
    goal_width: float = 8.0
    penalty_spot_distance: float = 12.0
    centre_circle_radius: float = 10.0
    goal_depth: float = 2.4

    @property
    def center_x(self) -> float:
        return self.length / 2

    @property
    def center_y(self) -> float:
        return self.width / 2

    @property
    def penalty_area_x(self) -> float:
        """Return the x where the attacked penalty area starts (102 on a 120 pitch)."""
        return self.length - self.penalty_area_depth

    @property
    def penalty_area_y(self) -> tuple[float, float]:
        half = self.penalty_area_width / 2
        return self.center_y - half, self.center_y + half

    @property
    def six_yard_y(self) -> tuple[float, float]:
        half = self.six_yard_width / 2
        return self.center_y - half, self.center_y + half

    @property
    def goal_y(self) -> tuple[float, float]:
        half = self.goal_width / 2
        return self.center_y - half, self.center_y + half

    @property
    def final_third_x(self) -> float:
        """Return the x where the attacking third starts (80 on a 120 pitch)."""
        return self.length * 2 / 3

    def mirror(self, x, y):
        """Return (x, y) in the opponent's frame: the pitch turned half a turn."""
        return self.length - x, self.width - y


STATSBOMB = PitchDimensions()
