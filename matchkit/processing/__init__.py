"""Shared processor: each match is parsed once into a ``MatchModel``."""

from matchkit.processing import selectors
from matchkit.processing.model import EVENT_COLUMNS, LineupPlayer, MatchInfo, MatchModel
from matchkit.processing.parse import build_match_model, parse_match_info

__all__ = [
    "EVENT_COLUMNS", "LineupPlayer", "MatchInfo", "MatchModel",
    "build_match_model", "parse_match_info", "selectors",
]
