"""Issue 13 item 18: the demo gives team leads something to manage.

On the session build the latest full quarter (2025-Q1) must show, for per-engineer FCR,
CSAT and escalation rate, at least one engineer missing the tier target and one meeting
it; and the account managers (no targets) must not sit at 100 % on every rate.
"""

from __future__ import annotations

import duckdb
import pytest

QUARTER = "2025-Q1"  # the small extract runs Jan to mid-May 2025


@pytest.fixture(scope="module")
def con(built_warehouse):
    connection = duckdb.connect(str(built_warehouse.settings.warehouse_path), read_only=True)
    yield connection
    connection.close()


@pytest.mark.parametrize("metric", ["fcr", "csat", "escalation_rate"])
def test_some_engineers_miss_and_some_meet_the_target(con, metric: str) -> None:
    """Below / above are on the target's own direction (escalation rate is a maximum)."""
    missing, meeting = con.execute(
        """
        with rated as (
            select case direction
                       when 'lower' then value > coalesce(target_max, target)
                       else value < target
                   end as misses
            from main.fct_engineer_periods
            where period_kind = 'quarter' and period_label = ? and metric = ?
              and target is not null and value is not null and not is_low_n
        )
        select count(*) filter (where misses), count(*) filter (where not misses) from rated
        """,
        [QUARTER, metric],
    ).fetchone()
    assert missing >= 1 and meeting >= 1, (metric, missing, meeting)


def test_account_managers_are_not_perfect(con) -> None:
    """TAMs have no targets; their FCR and CSAT are real shares, not a flat 100 %."""
    rows = con.execute(
        """
        select metric, max(value)
        from main.fct_engineer_periods
        where period_kind = 'quarter' and period_label = ? and engineer_tier = 'tam'
          and metric in ('fcr', 'csat') and value is not null
        group by metric order by metric
        """,
        [QUARTER],
    ).fetchall()
    assert [metric for metric, _ in rows] == ["csat", "fcr"]
    for metric, highest in rows:
        assert highest < 100, metric
