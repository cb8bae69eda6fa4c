"""Tasks say which ``--top N`` pick made them: a nullable ``tasks.top`` column.

Until now ``cardscan followup --top N`` marked the tasks of its picks only in their reason
text ("ranked in the top N new contacts by --top N", priority 1), and the plan parsed that
text back to show "top N". This revision adds the column and fills it for the tasks an
earlier cardscan made that way; the reason text stays, as the explanation a person reads.

The text is frozen here, not imported from :mod:`cardscan.outputs.followup`: a revision
must do the same thing whatever that module becomes.

The column is nullable and added with ``ALTER TABLE … ADD COLUMN`` on both databases (no
table copy on SQLite), so a cardscan from before Alembic, which reads SQLite stores at
``user_version`` 3, still reads and writes this one; the ``--top`` picks it makes are
shown by their tag priority ("hot") until a newer cardscan plans them again.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: The reason text ``--top N`` wrote on the tasks of its picks (cardscan at revision 0003).
_TOP_REASON = re.compile(r"ranked in the top (\d+) new contacts by --top \1")

_tasks = sa.table(
    "tasks",
    sa.column("id", sa.Integer),
    sa.column("priority", sa.Integer),
    sa.column("reason", sa.Text),
    sa.column("top", sa.Integer),
)


def top_of(priority: int, reason: str) -> int | None:
    """The N of a task ``--top N`` made at revision 0003: priority 1 and exactly its text."""
    found = _TOP_REASON.fullmatch(reason) if priority == 1 else None
    return int(found.group(1)) if found else None


def upgrade() -> None:
    """Add ``tasks.top`` and fill it for the ``--top N`` picks already in the store."""
    op.add_column("tasks", sa.Column("top", sa.Integer, nullable=True))
    bind = op.get_bind()
    # Only the candidates are read (the text starts so); Python decides exactly.
    rows = bind.execute(
        sa.select(_tasks.c.id, _tasks.c.priority, _tasks.c.reason).where(
            _tasks.c.priority == 1, _tasks.c.reason.like("ranked in the top %")
        )
    ).all()
    picks = [
        {"task": task_id, "n": n}
        for task_id, priority, reason in rows
        if (n := top_of(priority, reason)) is not None
    ]
    if picks:
        bind.execute(
            _tasks.update()
            .where(_tasks.c.id == sa.bindparam("task"))
            .values(top=sa.bindparam("n")),
            picks,
        )


def downgrade() -> None:
    """Take the column out again (the reason text still names each pick)."""
    op.drop_column("tasks", "top")
