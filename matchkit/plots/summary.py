"""The match in numbers: both teams' statistics side by side as mirrored bars.

Every statistic leaves out the penalty shoot-out (period 5).
"""

from __future__ import annotations

import html

from matchkit.plots import style
from matchkit.plots.registry import register
from matchkit.processing import selectors
from matchkit.processing.model import MatchModel

# Row label, key in the team statistics, number format. Rows are drawn top to bottom.
STAT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Goals", "goals", "{:d}"),
    ("xG", "xg", "{:.2f}"),
    ("Shots", "shots", "{:d}"),
    ("Shots on target", "shots_on_target", "{:d}"),
    ("Passes", "passes", "{:d}"),
    ("Pass completion", "pass_completion", "{:.0f}%"),
    ("Possession", "possession", "{:.0f}%"),
    ("PPDA", "ppda", "{:.1f}"),
    ("Corners", "corners", "{:d}"),
    ("Fouls", "fouls", "{:d}"),
    ("Yellow cards", "yellow_cards", "{:d}"),
    ("Red cards", "red_cards", "{:d}"),
)

# Half the gap between the two teams' bars, where the row labels sit (bar length 1 = 100% share).
LABEL_GAP = 0.22


def _percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _team_counts(model: MatchModel) -> dict[int, dict]:
    """Count each team's shots, passes, corners, fouls and cards outside the shoot-out, with array masks."""
    events = model.events
    in_play = model.mask(selectors.regular_play)
    passes = model.type_mask("Pass") & in_play
    shots = model.type_mask("Shot") & in_play
    on_target = shots & events["outcome"].isin(selectors.ON_TARGET_OUTCOMES).to_numpy()
    completed = model.mask(selectors.completed_passes) & in_play
    corners = passes & (events["pass_type"].to_numpy() == "Corner")
    fouls = model.type_mask("Foul Committed") & in_play
    card = events["card"].to_numpy()
    yellow = (card == "Yellow Card") & in_play
    red = events["card"].isin(selectors.RED_CARDS).to_numpy() & in_play

    counts = {}
    for team_id in model.team_ids:
        team = model.team_mask(team_id)
        counts[team_id] = {
            "shots": int((team & shots).sum()),
            "shots_on_target": int((team & on_target).sum()),
            "passes": int((team & passes).sum()),
            "passes_completed": int((team & completed).sum()),
            "corners": int((team & corners).sum()),
            "fouls": int((team & fouls).sum()),
            "yellow_cards": int((team & yellow).sum()),
            "red_cards": int((team & red).sum()),
        }
    return counts


def team_stats(model: MatchModel) -> dict[str, dict]:
    """Compute each team's match statistics, keyed by ``"home"`` and ``"away"``, outside the shoot-out.

    - goals: scored shots plus ``Own Goal For`` events, so an own goal counts
      for the benefiting team.
    - passes: every Pass event, set pieces included. Completion is the share
      of passes with no outcome, in percent.
    - possession: the team's share of both teams' completed passes, in percent.
      It is a pass-count approximation, not a share of time on the ball.
    - yellow_cards counts Yellow Card only. A Second Yellow counts as a red
      card, and that player's first yellow is already counted as a Yellow Card.
    - ppda and the percentages are None where the denominator is zero.
    """
    scorers = model.goals["scoring_team_id"]
    team_counts = _team_counts(model)

    stats = {}
    for side in ("home", "away"):
        team_id = model.side_team_id(side)
        counts = team_counts[team_id]
        stats[side] = {
            "team_id": team_id,
            "team": model.info.team_name(team_id),
            "goals": int((scorers == team_id).sum()),
            # model.shots contains every shot that xg_total counts, selected once per model.
            "xg": selectors.xg_total(model.shots, team_id),
            **counts,
            "pass_completion": _percent(counts["passes_completed"], counts["passes"]),
            "ppda": model.ppda(team_id),
        }

    total_completed = stats["home"]["passes_completed"] + stats["away"]["passes_completed"]
    for side in ("home", "away"):
        stats[side]["possession"] = _percent(stats[side]["passes_completed"], total_completed)
    return stats


def _format(value, number_format: str) -> str:
    return "n/a" if value is None else number_format.format(value)


def _shares(home, away) -> tuple[float, float]:
    """Return each team's share of the row total (0 to 1), the bar lengths."""
    home_value, away_value = home or 0, away or 0
    total = home_value + away_value
    if total <= 0:
        return 0.0, 0.0
    return home_value / total, away_value / total


def _side_trace(stats: dict, side: str, color: str) -> dict:
    direction = -1 if side == "home" else 1
    team = html.escape(stats[side]["team"])
    lengths, texts, labels = [], [], []
    for label, key, number_format in STAT_ROWS:
        home_share, away_share = _shares(stats["home"][key], stats["away"][key])
        share = home_share if side == "home" else away_share
        lengths.append(round(direction * share, 3))
        texts.append(_format(stats[side][key], number_format))
        labels.append(label)
    return {
        "type": "bar",
        "orientation": "h",
        "name": team,
        "y": labels,
        "x": lengths,
        "base": direction * LABEL_GAP,
        "text": texts,
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": color},
        "hovertemplate": f"{team}<br>%{{y}}: %{{text}}<extra></extra>",
    }


@register("match_summary", title="Match summary")
def match_summary(model: MatchModel) -> dict:
    """Draw both teams' statistics as mirrored bars: home to the left, away to the right.

    A bar's length is the team's share of the row total and its text the value itself.
    """
    stats = team_stats(model)
    colors = style.team_colors(model.info)
    labels = [label for label, _, _ in STAT_ROWS]

    row_labels = {
        "type": "scatter",
        "mode": "text",
        "x": [0.0] * len(labels),
        "y": labels,
        "text": labels,
        "textfont": {"size": 12, "color": "#1f2933"},
        "hoverinfo": "skip",
        "showlegend": False,
    }
    data = [
        _side_trace(stats, "home", colors[stats["home"]["team_id"]]),
        _side_trace(stats, "away", colors[stats["away"]["team_id"]]),
        row_labels,
    ]

    reach = 1 + LABEL_GAP + 0.3
    layout = style.base_layout(
        model, "Match summary",
        barmode="overlay",
        bargap=0.35,
        xaxis={"range": [-reach, reach], "visible": False, "fixedrange": True},
        yaxis={"categoryorder": "array", "categoryarray": labels, "autorange": "reversed",
               "visible": False, "fixedrange": True},
        height=560,
    )
    return {"data": data, "layout": layout}
