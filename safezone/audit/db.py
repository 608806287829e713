"""Database triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit events."""

TABLES = ["audit_auditevent", "audit_auditsubject"]
MESSAGE = "audit events are append-only"

_SQLITE_INSTALL = [
    statement
    for table in TABLES
    for statement in (
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    )
]
_SQLITE_REMOVE = [
    statement
    for table in TABLES
    for statement in (f"DROP TRIGGER IF EXISTS {table}_no_update;", f"DROP TRIGGER IF EXISTS {table}_no_delete;")
]
_PG_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$ LANGUAGE plpgsql;""",
] + [
    statement
    for table in TABLES
    for statement in (
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();",
    )
]
_PG_REMOVE = [
    statement
    for table in TABLES
    for statement in (
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
    )
] + ["DROP FUNCTION IF EXISTS audit_event_append_only();"]


def install_sql(vendor: str) -> list[str]:
    """Statements that make the audit table append-only on this database."""
    return {"sqlite": _SQLITE_INSTALL, "postgresql": _PG_INSTALL}.get(vendor, [])


def remove_sql(vendor: str) -> list[str]:
    """Statements that undo install_sql (migrating backwards, and the test suite's flush)."""
    return {"sqlite": _SQLITE_REMOVE, "postgresql": _PG_REMOVE}.get(vendor, [])
