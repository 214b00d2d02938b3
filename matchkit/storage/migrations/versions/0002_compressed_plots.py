"""Compressed figures, skipped plots and incremental-run counts.

match_plots.figure becomes binary with a codec column; rows written by 0.1.0
keep their JSON and are marked with codec "none", so they read back unchanged.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("match_plots") as batch:
        batch.add_column(sa.Column("figure_codec", sa.String(10), nullable=False, server_default="none"))
        batch.add_column(sa.Column("figure_bytes", sa.Integer()))
    if dialect == "postgresql":
        op.execute("ALTER TABLE match_plots ALTER COLUMN figure TYPE BYTEA USING convert_to(figure, 'UTF8')")
    else:
        with op.batch_alter_table("match_plots") as batch:
            batch.alter_column("figure", type_=sa.LargeBinary(), existing_nullable=False)
        op.execute("UPDATE match_plots SET figure = CAST(figure AS BLOB)")
    op.execute("UPDATE match_plots SET figure_bytes = length(figure)")

    op.create_table(
        "match_plot_skips",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("match_id", sa.BigInteger(), sa.ForeignKey("matches.match_id"), nullable=False),
        sa.Column("plot_type", sa.String(100), nullable=False),
        sa.Column("plot_version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("match_id", "plot_type", name="uq_match_plot_skips_match_plot"),
    )
    with op.batch_alter_table("etl_runs") as batch:
        for name in ("matches_new", "matches_changed", "matches_unchanged", "matches_retried"):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_table("match_plot_skips")
    with op.batch_alter_table("etl_runs") as batch:
        for name in ("matches_new", "matches_changed", "matches_unchanged", "matches_retried"):
            batch.drop_column(name)
    with op.batch_alter_table("match_plots") as batch:
        batch.drop_column("figure_bytes")
        batch.drop_column("figure_codec")
