"""The extract contract (docs/CONTRACT.md), as data.

The generator writes files in this shape, the loader validates against it and lands
typed columns into the landing database's `raw` schema, and the dbt sources describe
the same tables. Keeping it in one module means the three cannot drift apart.

Raw table layout (`raw.<entity>`): every contract column, in contract order, with the
DuckDB type below; timestamps are converted to UTC and stored as naive `TIMESTAMP`
(naive source values are read in the configured source time zone, default
Europe/Moscow); enumerations are lower-case with aliases resolved; then four
lineage columns:

    _batch_id    BIGINT    position of the batch in load order (raw.load_manifest)
    _file_name   VARCHAR   the batch file, relative to the raw directory
    _line_number BIGINT    physical line where the row starts (header is line 1 for CSV)
    _extra       VARCHAR   JSON object of columns outside the contract, or NULL
"""

from __future__ import annotations

from dataclasses import dataclass, field

LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_batch_id", "BIGINT"),
    ("_file_name", "VARCHAR"),
    ("_line_number", "BIGINT"),
    ("_extra", "VARCHAR"),
)

# Kinds of column; the loader knows how to parse and validate each.
TEXT = "text"
TIMESTAMP = "timestamp"  # ISO-8601; exact with offset or Z, else source time zone
DATE = "date"  # YYYY-MM-DD
MONTH = "month"  # YYYY-MM, stored as the DATE of the month's first day
PERIOD = "period"  # YYYY-MM or YYYY-Qn, stored as text
WAVE = "wave"  # YYYY-Qn, stored as text
BOOLEAN = "boolean"  # true/false, 1/0, yes/no (any case)
INTEGER = "integer"
DECIMAL = "decimal"  # money and other non-negative amounts
NUMBER = "number"  # any real number (manual KR values)
ENUM = "enum"

DUCKDB_TYPES = {
    TEXT: "VARCHAR",
    TIMESTAMP: "TIMESTAMP",
    DATE: "DATE",
    MONTH: "DATE",
    PERIOD: "VARCHAR",
    WAVE: "VARCHAR",
    BOOLEAN: "BOOLEAN",
    INTEGER: "INTEGER",
    DECIMAL: "DECIMAL(18,2)",
    NUMBER: "DOUBLE",
    ENUM: "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT
    required: bool = True
    values: tuple[str, ...] = ()  # allowed values for ENUM, lower case
    aliases: dict[str, str] = field(default_factory=dict)  # lower-case alias -> value
    min_value: float | None = None
    max_value: float | None = None
    default: str | None = None  # used when an optional column is empty
    upper_case: bool = False  # ENUM stored upper case (currency codes) instead of lower

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.kind]

    @property
    def is_identifier(self) -> bool:
        """A key or a reference to one: a text column named `*_id`, or the value an event
        moves from / to (an engineer id, a group, a status). The loader strips
        surrounding whitespace from these so keys and the columns joined to them match;
        letter case is kept (see the key normalisation rule in docs/OPERATIONS.md)."""
        return self.kind == TEXT and (
            self.name.endswith("_id") or self.name in ("from_value", "to_value")
        )


@dataclass(frozen=True)
class Entity:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # Column deciding which of two rows with the same key wins; without it the later
    # batch (then the later line) wins.
    version_column: str | None = None
    # Groups of optional columns of which each row must fill at least one.
    one_of: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _enum(name: str, values: str, required: bool = True, **kw: object) -> Column:
    return Column(name, ENUM, required, tuple(values.split()), **kw)  # type: ignore[arg-type]


PRIORITY_ALIASES = {
    "p1": "critical",
    "p2": "high",
    "p3": "medium",
    "p4": "low",
    "urgent": "critical",
}
CURRENCIES = "rub usd eur"  # matched case-insensitively, stored upper case: RUB, USD, EUR
RATING_ALIASES = {"satisfied": "good", "unsatisfied": "bad"}
VENDOR_SLA_EVENT_TYPES = (
    "activate pause fulfill apply_sla apply_group_sla breach update_status measure"
)
COMPETITORS = "aws gcp azure yandex_cloud cloud_ru selectel arenadata mts astra none"

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "tickets",
            ("ticket_id",),
            (
                Column("ticket_id"),
                Column("created_at", TIMESTAMP),
                Column("updated_at", TIMESTAMP),
                Column("account_id"),
                Column("requester_id", required=False),
                _enum("channel", "email chat phone web console api monitoring bot"),
                _enum("priority", "critical high medium low", aliases=PRIORITY_ALIASES),
                _enum("status", "new open pending on_hold solved closed"),
                _enum("type", "incident problem question task feature_request", False),
                _enum(
                    "product_area",
                    "compute storage database networking kubernetes security billing other",
                    False,
                ),
                _enum("group_name", "tier1 tier2 tier3 tam"),
                Column("assignee_id", required=False),
                Column("language", required=False),
                Column("subject", required=False),
                Column("is_proactive", BOOLEAN, required=False, default="false"),
            ),
            version_column="updated_at",
        ),
        Entity(
            "ticket_events",
            ("event_id",),
            (
                Column("event_id"),
                Column("ticket_id"),
                Column("event_at", TIMESTAMP),
                _enum(
                    "event_type",
                    "created status_changed comment assigned group_changed priority_changed",
                ),
                Column("actor_id", required=False),
                _enum("actor_role", "customer agent bot system"),
                Column("is_public", BOOLEAN, required=False),
                Column("from_value", required=False),
                Column("to_value", required=False),
            ),
        ),
        Entity(
            "engineers",
            ("engineer_id",),
            (
                Column("engineer_id"),
                Column("full_name"),
                Column("email"),
                Column("team_id"),
                Column("team_name"),
                _enum("support_tier", "1 2 3 tam"),
                Column("lead_id", required=False),
                Column("hired_at", TIMESTAMP),
                Column("left_at", TIMESTAMP, required=False),
                Column("location", required=False),
            ),
        ),
        Entity(
            "qa_reviews",
            ("review_id",),
            (
                Column("review_id"),
                Column("ticket_id"),
                Column("engineer_id"),
                Column("reviewed_at", TIMESTAMP),
                Column("technical_accuracy", INTEGER, min_value=0, max_value=25),
                Column("communication", INTEGER, min_value=0, max_value=25),
                Column("timeliness", INTEGER, min_value=0, max_value=20),
                Column("process", INTEGER, min_value=0, max_value=20),
                Column("customer_satisfaction", INTEGER, min_value=0, max_value=10),
            ),
        ),
        Entity(
            "csat_responses",
            ("response_id",),
            (
                Column("response_id"),
                Column("ticket_id"),
                Column("responded_at", TIMESTAMP),
                # A 1-5 score, or a binary rating (Zendesk's good/bad) without one: the
                # rating is never turned into an invented score (DESIGN s3 extensions).
                Column("score", INTEGER, required=False, min_value=1, max_value=5),
                Column("comment", required=False),
                _enum("rating", "good bad", False, aliases=RATING_ALIASES),
            ),
            one_of=(("score", "rating"),),
        ),
        Entity(
            "nps_responses",
            ("response_id",),
            (
                Column("response_id"),
                Column("account_id"),
                Column("contact_id", required=False),
                Column("responded_at", TIMESTAMP),
                Column("score", INTEGER, min_value=0, max_value=10),
                Column("wave", WAVE, required=False),
                Column("reason", required=False),
            ),
        ),
        Entity(
            "accounts",
            ("account_id",),
            (
                Column("account_id"),
                Column("account_name"),
                Column("industry"),
                _enum("segment", "enterprise mid_market smb startup public_sector"),
                Column("region"),
                Column("tam_id", required=False),
                Column("created_at", TIMESTAMP),
            ),
        ),
        Entity(
            "contracts",
            ("contract_id",),
            (
                Column("contract_id"),
                Column("account_id"),
                _enum(
                    "product",
                    "compute kubernetes dbaas object_storage data_platform private_cloud "
                    "support_plan other",
                ),
                _enum("support_tier", "premium professional standard free", False),
                Column("start_date", DATE),
                Column("end_date", DATE, required=False),
                Column("mrr", DECIMAL, min_value=0),
                _enum("currency", CURRENCIES, upper_case=True),
            ),
        ),
        Entity(
            "opportunities",
            ("opportunity_id",),
            (
                Column("opportunity_id"),
                Column("account_id"),
                Column("created_at", TIMESTAMP),
                Column("updated_at", TIMESTAMP),
                Column("closed_at", TIMESTAMP, required=False),
                _enum("stage", "discovery design poc negotiation closed_won closed_lost"),
                _enum("type", "new_business upsell expansion renewal"),
                Column("amount", DECIMAL, min_value=0),
                _enum("currency", CURRENCIES, upper_case=True),
                _enum("competitor", COMPETITORS, False),
                Column("had_poc", BOOLEAN, required=False, default="false"),
                Column("poc_succeeded", BOOLEAN, required=False),
                Column("support_credit_engineer_id", required=False),
                Column(
                    "support_credit_pct",
                    DECIMAL,
                    required=False,
                    min_value=0,
                    max_value=100,
                    default="0",
                ),
            ),
            version_column="updated_at",
        ),
        Entity(
            "support_costs",
            ("month", "cost_category"),
            (
                Column("month", MONTH),
                _enum("cost_category", "personnel tools training hiring contingency other"),
                Column("amount", DECIMAL, min_value=0),
                _enum("currency", CURRENCIES, upper_case=True),
            ),
        ),
        Entity(
            "kb_articles",
            ("article_id",),
            (
                Column("article_id"),
                Column("author_id"),
                Column("published_at", TIMESTAMP),
                Column("category"),
                Column("language"),
                _enum("status", "draft published archived"),
            ),
        ),
        Entity(
            # A helpdesk's own SLA verdicts (Zendesk ticket_metric_events), kept beside
            # our outcomes so the data quality page can reconcile the two.
            "vendor_sla_events",
            ("vendor", "event_id"),
            (
                Column("vendor"),
                Column("event_id"),
                Column("ticket_id"),
                Column("vendor_metric"),  # the helpdesk's name: reply_time, ...
                _enum("metric", "first_response resolution next_reply", False),
                Column("instance_id", INTEGER, min_value=1),
                _enum("event_type", VENDOR_SLA_EVENT_TYPES),
                Column("event_at", TIMESTAMP),
                Column("target_minutes", INTEGER, required=False, min_value=0),
                Column("business_hours", BOOLEAN, required=False),
                Column("policy", required=False),
            ),
        ),
        Entity(
            "okr_manual_values",
            ("kr_id", "period"),
            (
                Column("kr_id"),
                Column("period", PERIOD),
                Column("value", NUMBER),
                Column("note", required=False),
            ),
        ),
    )
}

# Seconds an event may precede its ticket's creation before it is rejected.
CLOCK_SKEW_ALLOWANCE_SECONDS = 300

MANIFEST_DDL = """
create table if not exists raw.load_manifest (
    batch_id bigint primary key,
    entity varchar not null,
    file_name varchar not null,
    content_hash varchar not null,
    rows_read bigint not null,
    rows_landed bigint not null,
    rows_rejected bigint not null,
    status varchar not null,          -- loaded | skipped | failed
    error varchar,
    loaded_at timestamp not null,     -- UTC
    file_lines bigint                 -- physical lines (CSV, JSON lines) or rows (Parquet)
)
"""

# Columns added to raw.load_manifest after its first release, for older landing files.
MANIFEST_MIGRATIONS = ("alter table raw.load_manifest add column if not exists file_lines bigint",)

REJECTS_DDL = """
create table if not exists raw.load_rejects (
    batch_id bigint not null,
    entity varchar not null,
    file_name varchar not null,
    line_number bigint,
    raw_row varchar not null,
    reason varchar not null
)
"""


def raw_table_ddl(entity: Entity) -> str:
    """`create table` statement for an entity's raw table (contract + lineage columns)."""
    cols = [f"{c.name} {c.duckdb_type}" for c in entity.columns]
    cols += [f"{name} {dtype}" for name, dtype in LINEAGE_COLUMNS]
    return f"create table if not exists raw.{entity.name} (\n    " + ",\n    ".join(cols) + "\n)"
