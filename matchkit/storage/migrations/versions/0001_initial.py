"""The first released schema: matches, match_plots with figure JSON text, etl_runs, etl_failures.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matches",
        sa.Column("match_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("competition_id", sa.Integer()),
        sa.Column("season_id", sa.Integer()),
        sa.Column("competition", sa.String(200)),
        sa.Column("season", sa.String(100)),
        sa.Column("stage", sa.String(200)),
        sa.Column("match_date", sa.String(10)),
        sa.Column("home_team_id", sa.Integer()),
        sa.Column("home_team", sa.String(200), nullable=False),
        sa.Column("away_team_id", sa.Integer()),
        sa.Column("away_team", sa.String(200), nullable=False),
        sa.Column("home_score", sa.Integer()),
        sa.Column("away_score", sa.Integer()),
        sa.Column("last_updated", sa.String(40)),
        sa.Column("last_updated_360", sa.String(40)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_matches_competition_season", "matches", ["competition_id", "season_id"])
    op.create_index("ix_matches_match_date", "matches", ["match_date"])
    op.create_table(
        "etl_runs",
        sa.Column("run_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("configuration", sa.Text(), nullable=False),
        sa.Column("matches_total", sa.Integer(), nullable=False),
        sa.Column("matches_succeeded", sa.Integer(), nullable=False),
        sa.Column("matches_failed", sa.Integer(), nullable=False),
        sa.Column("plots_written", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float()),
        sa.Column("matches_per_second", sa.Float()),
    )
    op.create_table(
        "match_plots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("match_id", sa.BigInteger(), sa.ForeignKey("matches.match_id"), nullable=False),
        sa.Column("plot_type", sa.String(100), nullable=False),
        sa.Column("plot_version", sa.Integer(), nullable=False),
        sa.Column("figure", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("match_id", "plot_type", name="uq_match_plots_match_plot"),
    )
    op.create_table(
        "etl_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("etl_runs.run_id"), nullable=False),
        sa.Column("match_id", sa.BigInteger()),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("error_type", sa.String(100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_etl_failures_run", "etl_failures", ["run_id"])
    op.create_index("ix_etl_failures_match", "etl_failures", ["match_id"])


def downgrade() -> None:
    for table in ("etl_failures", "match_plots", "etl_runs", "matches"):
        op.drop_table(table)
