"""Football rules applied to the events table, shared by every plot.

Each function takes ``MatchModel.events`` (or a slice of it) and returns a
boolean mask, a slice or a number. Coordinates stay in the acting team's frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matchkit.dimensions import STATSBOMB, PitchDimensions

SHOOTOUT_PERIOD = 5

# On-ball events with a location that show where a team had the ball.
TOUCH_TYPES = frozenset({
    "Pass", "Ball Receipt*", "Carry", "Shot", "Dribble", "Miscontrol", "Dispossessed",
    "Ball Recovery", "Clearance", "Interception", "Block", "Duel", "50/50", "Goal Keeper",
    "Shield", "Foul Won",
})

# Out-of-possession actions; all of them are in the defending team's frame.
DEFENSIVE_TYPES = frozenset({
    "Pressure", "Duel", "Interception", "Ball Recovery", "Block", "Clearance", "Foul Committed",
    "Dribbled Past",
})

ON_TARGET_OUTCOMES = frozenset({"Goal", "Saved", "Saved To Post"})
RED_CARDS = frozenset({"Red Card", "Second Yellow"})

# PPDA zone: the opponent's first 60% of the pitch, seen from the passer (x < 72 on 120).
PPDA_ZONE_SHARE = 0.6


def of_type(events: pd.DataFrame, *type_names: str) -> np.ndarray:
    """Mask events of the given StatsBomb types as a boolean array.

    On the categorical type column this compares category codes, much faster
    than comparing strings, and it also accepts a column of plain strings.
    """
    kind = events["type"].array
    if len(type_names) == 1:
        return np.asarray(kind == type_names[0], dtype=bool)
    return np.asarray(kind.isin(type_names), dtype=bool)


def regular_play(events: pd.DataFrame) -> pd.Series:
    """Mask events outside the penalty shoot-out (period 5)."""
    return events["period"] < SHOOTOUT_PERIOD


def is_shot(events: pd.DataFrame, include_shootout: bool = False) -> pd.Series:
    """Mask shot events; shoot-out kicks only when asked for."""
    mask = events["type"] == "Shot"
    if not include_shootout:
        mask &= regular_play(events)
    return mask


def shots(events: pd.DataFrame, include_shootout: bool = False) -> pd.DataFrame:
    """Return shot events; shoot-out kicks only when asked for."""
    return events[is_shot(events, include_shootout)]


def goals(events: pd.DataFrame) -> pd.DataFrame:
    """Return every goal outside the shoot-out, with ``scoring_team_id`` and ``own_goal``.

    A goal is a shot with outcome Goal or an ``Own Goal For`` event, which the
    benefiting team carries. ``Own Goal Against`` is its twin and is not counted.
    """
    # Array masks, because they cost much less than comparing Series.
    in_play = regular_play(events).to_numpy()
    scored = of_type(events, "Shot") & (events["outcome"].to_numpy() == "Goal") & in_play
    own = of_type(events, "Own Goal For") & in_play
    # take() copies the rows once into a frame that may get new columns; a mask and .copy() copy them twice.
    result = events.take(np.flatnonzero(scored | own))
    result["scoring_team_id"] = result["team_id"]
    result["own_goal"] = result["type"] == "Own Goal For"
    return result


def score(events: pd.DataFrame, home_team_id: int, away_team_id: int) -> tuple[int, int]:
    """Count the goals of each team from the events, outside the shoot-out."""
    scorers = goals(events)["scoring_team_id"]
    return int((scorers == home_team_id).sum()), int((scorers == away_team_id).sum())


def xg_total(events: pd.DataFrame, team_id: int) -> float:
    """Sum a team's shot xG outside the shoot-out (own goals carry none)."""
    team_shots = (is_shot(events) & (events["team_id"] == team_id)).to_numpy()
    # np.nansum skips missing xG as Series.sum does, and summing the array costs less than selecting a Series.
    return float(np.nansum(events["shot_xg"].to_numpy()[team_shots]))


def completed_passes(events: pd.DataFrame) -> pd.Series:
    """Mask passes with no outcome, which StatsBomb uses for a completed pass."""
    return (events["type"] == "Pass") & events["outcome"].isna()


def touches(events: pd.DataFrame) -> pd.Series:
    """Mask on-ball events that have a location."""
    return events["type"].isin(TOUCH_TYPES) & events["x"].notna()


def defensive_actions(events: pd.DataFrame) -> pd.Series:
    """Mask defensive actions that have a location (pressures, duels, interceptions...)."""
    return events["type"].isin(DEFENSIVE_TYPES) & events["x"].notna()


def in_possession(events: pd.DataFrame) -> pd.Series:
    """Mask events whose team is the team in possession."""
    return events["team_id"] == events["possession_team_id"]


def first_lineup_change(
    events: pd.DataFrame, team_id: int, include_red_cards: bool = True,
) -> tuple[int, float] | None:
    """Return (period, timestamp in seconds) of a team's first substitution or red card, or None.

    Compared on (period, timestamp) because minutes overlap at half time:
    first-half stoppage runs past minute 45 while the second half restarts at 45.
    With ``include_red_cards=False`` only substitutions count.
    """
    change = of_type(events, "Substitution")
    if include_red_cards:
        change |= events["card"].isin(RED_CARDS).to_numpy()
    change &= events["team_id"].to_numpy() == team_id
    if not change.any():
        return None
    first = int(change.argmax())
    return int(events["period"].iat[first]), float(events["timestamp"].iat[first])


def before(events: pd.DataFrame, cutoff: tuple[int, float] | None) -> pd.Series:
    """Mask events strictly before ``cutoff`` (period, timestamp); all events when it is None."""
    if cutoff is None:
        return pd.Series(True, index=events.index)
    period, timestamp = cutoff
    return (events["period"] < period) | ((events["period"] == period) & (events["timestamp"] < timestamp))


def ppda(events: pd.DataFrame, team_id: int, opponent_id: int, dims: PitchDimensions = STATSBOMB) -> float | None:
    """Compute a team's passes allowed per defensive action (PPDA), outside the shoot-out.

    Numerator: opponent passes in the opponent's own first 60% (x < 72 in the
    passer's frame). Denominator: the team's tackles, interceptions, fouls and
    challenges in the same zone, which is x >= 48 in the defending team's frame.
    Returns None when the team made no such action.
    """
    # Array masks over the whole table: PPDA is only a count, and they cost much less than
    # comparing Series or copying the rows outside the shoot-out.
    in_play = regular_play(events).to_numpy()
    team_ids = events["team_id"].to_numpy()
    x = events["x"].to_numpy()
    zone_end = dims.length * PPDA_ZONE_SHARE

    opponent_passes = in_play & (team_ids == opponent_id) & of_type(events, "Pass") & (x < zone_end)
    team = in_play & (team_ids == team_id)
    tackles = of_type(events, "Duel") & (events["duel_type"].to_numpy() == "Tackle")
    actions = tackles | of_type(events, "Interception", "Foul Committed", "Dribbled Past")
    defending = team & actions & (x >= dims.length - zone_end)

    denominator = int(defending.sum())
    if denominator == 0:
        return None
    return int(opponent_passes.sum()) / denominator
