"""Read back what a run stored, with plain SQL, for comparing databases in tests."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from matchkit.storage import decode_figure


def stored_figures(url: str) -> dict[tuple[int, str], str]:
    """Return every stored figure as JSON text, keyed by (match_id, plot_type)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT match_id, plot_type, figure, figure_codec FROM match_plots"))
        figures = {(match_id, plot_type): decode_figure(figure, codec) for match_id, plot_type, figure, codec in rows}
    engine.dispose()
    return figures
