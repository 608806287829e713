"""Database triggers that renew the access stamp (access.AccessStamp) on every write to the tables
the cached part of the policy is derived from, whatever writes them (the ORM, bulk loads, SQL),
and when a case changes hands (its owner, unit, agency or district: what a scope reads)."""

STAMP_TABLE = "access_accessstamp"
TABLES = [
    "access_casegrant",
    "access_breakglass",
    "access_seal",
    "directory_territory",
    "directory_agency_districts_served",
]

_SQLITE_RENEW = f"UPDATE {STAMP_TABLE} SET value = lower(hex(randomblob(16)));"
_SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_stamp_{event.lower()} AFTER {event} ON {table} BEGIN {_SQLITE_RENEW} END;"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]
_SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {table}_stamp_{event.lower()};"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]
_PG_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION access_stamp_renew() RETURNS trigger AS $$
    BEGIN
        UPDATE {STAMP_TABLE} SET value = md5(random()::text || clock_timestamp()::text);
        RETURN NULL;
    END $$ LANGUAGE plpgsql;""",
] + [
    statement
    for table in TABLES
    for statement in (
        f"CREATE TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION access_stamp_renew();",
        f"CREATE TRIGGER {table}_stamp_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION access_stamp_renew();",
    )
]
_PG_REMOVE = [
    statement
    for table in TABLES
    for statement in (
        f"DROP TRIGGER IF EXISTS {table}_stamp ON {table};",
        f"DROP TRIGGER IF EXISTS {table}_stamp_truncate ON {table};",
    )
] + ["DROP FUNCTION IF EXISTS access_stamp_renew();"]


def install_sql(vendor: str) -> list[str]:
    """Statements that make this database renew the access stamp."""
    return {"sqlite": _SQLITE_INSTALL, "postgresql": _PG_INSTALL}.get(vendor, [])


def remove_sql(vendor: str) -> list[str]:
    """Statements that undo install_sql."""
    return {"sqlite": _SQLITE_REMOVE, "postgresql": _PG_REMOVE}.get(vendor, [])


# A case's columns that a scope reads (access.selectors.Grant.case_q): when one changes, the case
# may enter or leave someone's scope, which the cached reach tells its team cases apart by.
CASE_TABLE = "cases_case"
CASE_SCOPE_COLUMNS = ["owner_agency_id", "owner_worker_id", "owner_unit_id", "district_id"]
_CASE_TRIGGER = f"{CASE_TABLE}_stamp_owner"
_CASE_COLUMNS = ", ".join(CASE_SCOPE_COLUMNS)
_SQLITE_CASE_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in CASE_SCOPE_COLUMNS)
_PG_CASE_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in CASE_SCOPE_COLUMNS)
_CASE_INSTALL = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS {_CASE_TRIGGER} AFTER UPDATE OF {_CASE_COLUMNS} ON {CASE_TABLE} "
        f"WHEN {_SQLITE_CASE_CHANGED} BEGIN {_SQLITE_RENEW} END;"
    ],
    # Per row, so that only a row that really changed hands renews it (an edit saves every column).
    "postgresql": [
        f"CREATE TRIGGER {_CASE_TRIGGER} AFTER UPDATE OF {_CASE_COLUMNS} ON {CASE_TABLE} "
        f"FOR EACH ROW WHEN ({_PG_CASE_CHANGED}) EXECUTE FUNCTION access_stamp_renew();"
    ],
}
_CASE_REMOVE = {
    "sqlite": [f"DROP TRIGGER IF EXISTS {_CASE_TRIGGER};"],
    "postgresql": [f"DROP TRIGGER IF EXISTS {_CASE_TRIGGER} ON {CASE_TABLE};"],
}


def case_install_sql(vendor: str) -> list[str]:
    """Statements that make this database renew the access stamp when a case changes hands."""
    return _CASE_INSTALL.get(vendor, [])


def case_remove_sql(vendor: str) -> list[str]:
    """Statements that undo case_install_sql."""
    return _CASE_REMOVE.get(vendor, [])


def run_statements(statements_for):
    """A migration step (for RunPython) that executes statements_for(vendor) on its database."""

    def run(apps, schema_editor):
        for statement in statements_for(schema_editor.connection.vendor):
            schema_editor.execute(statement)

    return run
