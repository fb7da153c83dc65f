"""The dbt project's structure rules (dbt structure guide, dbt-project-evaluator).

Most checks read the project's files, so they cost no build; the duration check reads
the columns of the built marts (the session's shared build).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]
TRANSFORMS = ROOT / "transforms"
MODELS = TRANSFORMS / "models"

# Relation names in the dashboard's query code: after FROM / JOIN (optionally schema
# qualified), schema-qualified anywhere, or handed to a helper that checks a table.
RELATION_PATTERNS = (
    re.compile(r"\b(?:from|join)\s+(?:[\w{}]+\.)?(\w+)", re.IGNORECASE),
    re.compile(r"\b(?:main|intermediate|reference|staging)\.(\w+)"),
    re.compile(r"\b(?:_has_table|_columns|table|MissingMart)\(\s*(?:sess,\s*)?[\"'](\w+)[\"']"),
)
DURATION_COLUMN = re.compile(r"(_minutes|_seconds|_hours|_days)$|elapsed")
# Signed on purpose: the time left to the target, negative once breached.
SIGNED_DIFFERENCES = {("fct_sla_outcomes", "remaining_minutes")}


def _relation_names() -> set[str]:
    """Every relation the dbt project builds: models and seeds."""
    models = {p.stem for p in MODELS.rglob("*.sql")}
    return models | {p.stem for p in (ROOT / "seeds").glob("*.csv")}


def _schema_files() -> list[dict]:
    return [yaml.safe_load(p.read_text()) or {} for p in MODELS.rglob("*.yml")]


def _model_entries() -> dict[str, dict]:
    return {m["name"]: m for doc in _schema_files() for m in doc.get("models") or []}


def _test_names(tests: list | None) -> list[str]:
    """Names of the generic tests in a data_tests list (strings or one-key mappings)."""
    return [t if isinstance(t, str) else next(iter(t)) for t in tests or []]


def test_exposure_depends_on_exactly_the_relations_the_dashboard_reads() -> None:
    names = _relation_names()
    read: set[str] = set()
    for path in (ROOT / "dashboard").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in RELATION_PATTERNS:
            read |= {m.group(1) for m in pattern.finditer(text) if m.group(1) in names}
    exposures = yaml.safe_load((MODELS / "exposures.yml").read_text())["exposures"]
    (dashboard,) = [e for e in exposures if e["name"] == "support_pulse_dashboard"]
    listed = {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in dashboard["depends_on"]}
    assert "fct_okr_progress" in read  # the scan finds the dashboard's reads at all
    assert listed == read, {"read, not listed": read - listed, "listed, not read": listed - read}


def test_every_model_has_a_primary_key_test() -> None:
    """unique + not_null on one column, or pulse_unique_combination for a composite key."""
    entries = _model_entries()
    missing = []
    for path in MODELS.rglob("*.sql"):
        entry = entries.get(path.stem, {})
        columns = entry.get("columns") or []
        single = any(
            {"unique", "not_null"} <= set(_test_names(c.get("data_tests"))) for c in columns
        )
        combined = "pulse_unique_combination" in _test_names(entry.get("data_tests"))
        if not (single or combined):
            missing.append(path.stem)
    assert not missing


REF = re.compile(r"\bref\(\s*['\"](\w+)['\"]\s*\)")


def test_no_intermediate_model_reads_a_mart() -> None:
    """Marts read intermediates, staging and other marts, never the other way round.

    An intermediate model over a mart ties the lower layer to the published contract and
    hides the logic a mart owns; the logic moves down into an intermediate model instead,
    and the mart selects its columns from it.
    """
    marts = {p.stem for p in (MODELS / "marts").rglob("*.sql")}
    intermediates = sorted((MODELS / "intermediate").rglob("*.sql"))
    assert "fct_tickets" in marts and intermediates  # the scan sees both layers
    reads = {
        (path.stem, name)
        for path in intermediates
        for name in REF.findall(path.read_text(encoding="utf-8"))
        if name in marts
    }
    assert not reads, sorted(reads)


def test_every_source_table_declares_freshness() -> None:
    missing = []
    for doc in _schema_files():
        for source in doc.get("sources") or []:
            for table in source.get("tables") or []:
                freshness = table.get("freshness") or source.get("freshness") or {}
                stamped = any(
                    key in table or key in source for key in ("loaded_at_field", "loaded_at_query")
                )
                if not (freshness.get("warn_after") or freshness.get("error_after")) or not stamped:
                    missing.append(f"{source['name']}.{table['name']}")
    assert not missing


def test_every_macro_is_documented_once() -> None:
    defined = []
    for path in (TRANSFORMS / "macros").glob("*.sql"):
        for m in re.finditer(r"\{%-?\s*(macro|test)\s+(\w+)\(", path.read_text()):
            defined.append(("test_" if m.group(1) == "test" else "") + m.group(2))
    assert len(defined) == len(set(defined)), "a macro is defined twice"
    doc = yaml.safe_load((TRANSFORMS / "macros" / "_macros.yml").read_text())
    documented = {m["name"]: m.get("description") for m in doc["macros"]}
    assert set(documented) == set(defined)
    assert all(documented.values())


def test_business_date_and_status_rules_exist_once() -> None:
    """The merged macros stay merged: one business-date macro, one status rule."""
    text = "\n".join(p.read_text() for p in (TRANSFORMS / "macros").glob("*.sql"))
    assert "pulse_business_date" not in text
    assert "okr_status" not in text
    assert len(re.findall(r"macro metric_status\(", text)) == 1


def _non_negative_columns(model: dict) -> set[str]:
    """The columns a model's pulse_column_values test keeps at zero or above."""
    return {
        column
        for test in model.get("data_tests") or []
        if isinstance(test, dict) and "pulse_column_values" in test
        for column in test["pulse_column_values"]["arguments"].get("non_negative") or []
    }


def test_every_mart_duration_column_is_tested_non_negative(built_warehouse) -> None:
    con = duckdb.connect(str(built_warehouse.settings.warehouse_path), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' and data_type <> 'BOOLEAN'"
        ).fetchall()
    finally:
        con.close()
    entries = _model_entries()
    durations = {
        (table, column)
        for table, column in rows
        if DURATION_COLUMN.search(column) and table in entries
    } - SIGNED_DIFFERENCES
    assert ("fct_sla_outcomes", "elapsed_minutes") in durations
    untested = [
        (table, column)
        for table, column in sorted(durations)
        if column not in _non_negative_columns(entries[table])
    ]
    assert not untested
    outcome_columns = {
        c["name"]: _test_names(c.get("data_tests")) for c in entries["fct_sla_outcomes"]["columns"]
    }
    assert "not_before" in outcome_columns["due_at"]


# What makes a model's rows depend on the moment it is built rather than on its inputs.
READS_THE_CLOCK = re.compile(
    r"pulse_as_of|\bas_of\b|current_date|current_timestamp|\bnow\(|env_var|run_started_at",
    re.IGNORECASE,
)


# Jinja comments ({# ... #}) and SQL line comments: text, not code (dbt's date_spine
# macro mentions current_date in its usage comment).
COMMENTS = re.compile(r"\{#.*?#\}|--[^\n]*", re.DOTALL)


def _macro_closure(manifest: dict, macros: list[str]) -> set[str]:
    """The macros a node calls, and the macros those call, transitively."""
    seen: set[str] = set()
    todo = list(macros)
    while todo:
        name = todo.pop()
        if name in seen or name not in manifest["macros"]:
            continue
        seen.add(name)
        todo += manifest["macros"][name]["depends_on"]["macros"]
    return seen


def test_reference_data_models_read_seeds_and_vars_only(built_warehouse) -> None:
    """An incremental build skips the models tagged `reference_data` and carries their
    tests' results (`_incremental_exclusions` in warehouse/pipeline/build.py). That is
    only right while they read nothing but seeds, vars and each other: no source, no
    as-of time, no clock. The converse keeps the tag complete: a model computed from
    seeds alone that is not tagged is rebuilt and retested for nothing on every build.
    Read from the manifest of the session's build, so refs built in a loop count too."""
    from warehouse.pipeline.build import dbt_dirs

    target_dir, _logs = dbt_dirs(built_warehouse.settings)
    manifest = json.loads((target_dir / "manifest.json").read_text())
    nodes = manifest["nodes"]
    models = {uid: n for uid, n in nodes.items() if n["resource_type"] == "model"}
    seeds = {uid for uid, n in nodes.items() if n["resource_type"] == "seed"}
    tagged = {uid for uid, n in models.items() if "reference_data" in n["tags"]}
    assert {"model.pulse.dim_date", "model.pulse.int_business_windows"} <= tagged
    # the KR x period spine reads the as-of time (periods not yet started have no row)
    assert "model.pulse.int_okr_key_results_spined" not in tagged

    def reads_the_clock(node: dict) -> bool:
        texts = [node["raw_code"]] + [
            manifest["macros"][m]["macro_sql"]
            for m in _macro_closure(manifest, node["depends_on"]["macros"])
        ]
        return any(READS_THE_CLOCK.search(COMMENTS.sub("", text)) for text in texts)

    from_seeds_alone: set[str] = set()
    grew = True
    while grew:
        grew = False
        for uid, node in models.items():
            parents = set(node["depends_on"]["nodes"])
            if (
                uid not in from_seeds_alone
                and parents
                and parents <= seeds | from_seeds_alone
                and not reads_the_clock(node)
            ):
                from_seeds_alone.add(uid)
                grew = True
    # equal both ways: a tagged model that reads a source, a non-reference model or
    # the clock is not computed from seeds alone
    assert from_seeds_alone == tagged, {
        "computed from seeds alone, not tagged": sorted(from_seeds_alone - tagged),
        "tagged, but reads more than seeds and vars": {
            uid: sorted(set(models[uid]["depends_on"]["nodes"]) - seeds)
            for uid in sorted(tagged - from_seeds_alone)
        },
    }
