"""On PostgreSQL, the references of the household tables are checked once per statement
instead of once per row.

A foreign key checks each new row on its own: a query through the server's SPI and a row
lock on the parent. A household import of 200,000 members in 57,000 households ran 370,000
of them, 3.2 s of the server's 7 s (measured with the constraints dropped). These triggers do
the same job for a whole statement (a COPY batch) with two queries over its transition
table:

- a new or changed child row must find its parent, and the parents that other transactions
  can see are locked FOR KEY SHARE, as a foreign key locks them, so that a concurrent delete
  of one waits for this transaction and then finds the children; a parent this transaction
  inserted or updated itself is invisible to others or already locked, so it is not locked
  again (that lock was most of the cost);
- a deleted parent (or a changed id) must leave no child behind.

Violations raise SQLSTATE 23503 (foreign_key_violation), which Django reports as an
IntegrityError, as before. The checks run at the end of each statement, not at commit:
Django deletes the children before their parents, and nothing here inserts children first.
The models keep their ForeignKey (joins, cascades in the ORM, the schema on SQLite, where
foreign keys stay as they are: SQLite checks them at a fraction of the cost).
tests/test_references.py checks every rule on both databases."""

from django.db import migrations

# (child table, column, parent table): the references of the household import's tables.
REFERENCES = [
    ("households_householdmember", "household_id", "households_household"),
    ("households_household", "village_id", "households_village"),
    ("households_household", "township_id", "households_township"),
    ("households_household", "organisation_id", "organisations_organisation"),
]


def _base(child: str, column: str) -> str:
    """The prefix of the reference's functions and triggers."""
    return f"lvzhi_ref_{child.removeprefix('households_')}_{column.removesuffix('_id')}"


# Each check looks the statement's distinct ids up in the other table's index (`= ANY` of an
# array: one index descent per id), which is right for a statement's few thousand rows
# against a register of millions, and is not left to the planner: with statistics gathered
# while the register was empty it turned `NOT EXISTS` into a scan of the whole parent index
# per new row, and a 200,000-row import took minutes instead of seconds.
# Nor a sequential scan of the parent, whatever the statistics say; and the tables are found
# in the schema they were created in, whatever search_path a session sets.
PLAN = "SET enable_seqscan = off SET search_path FROM CURRENT"


def _create(child: str, column: str, parent: str) -> str:
    base = _base(child, column)
    violation = (
        f"RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', "
        f'MESSAGE = \'insert or update on table "{child}" violates the reference of {column} to "{parent}"\''
    )
    still = (
        f"RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', "
        f'MESSAGE = \'update or delete on table "{parent}" leaves rows of "{child}" without their {column}\''
    )
    return f"""
CREATE FUNCTION {base}_new() RETURNS trigger LANGUAGE plpgsql {PLAN} AS $$
DECLARE
  me xid := pg_current_xact_id()::xid;
  ids bigint[] := ARRAY(SELECT DISTINCT {column} FROM new_rows WHERE {column} IS NOT NULL);
  present bigint;
BEGIN
  PERFORM 1 FROM {parent} p WHERE p.id = ANY(ids) AND p.xmin <> me FOR KEY SHARE OF p;
  SELECT count(*) INTO present FROM {parent} p WHERE p.id = ANY(ids);
  IF present <> cardinality(ids) THEN
    {violation};
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION {base}_changed() RETURNS trigger LANGUAGE plpgsql {PLAN} AS $$
BEGIN
  PERFORM 1 FROM {parent} p WHERE p.id = NEW.{column} FOR KEY SHARE OF p;
  IF NEW.{column} IS NOT NULL AND NOT FOUND THEN
    {violation};
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION {base}_gone() RETURNS trigger LANGUAGE plpgsql {PLAN} AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM {child} c WHERE c.{column} = ANY(ARRAY(SELECT id FROM old_rows))) THEN
    {still};
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION {base}_renamed() RETURNS trigger LANGUAGE plpgsql {PLAN} AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM {child} c WHERE c.{column} = OLD.id) THEN
    {still};
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER {base}_new AFTER INSERT ON {child}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {base}_new();
CREATE TRIGGER {base}_changed AFTER UPDATE OF {column} ON {child}
  FOR EACH ROW WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) EXECUTE FUNCTION {base}_changed();
CREATE TRIGGER {base}_gone AFTER DELETE ON {parent}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {base}_gone();
CREATE TRIGGER {base}_renamed AFTER UPDATE OF id ON {parent}
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION {base}_renamed();
"""


def _drop(child: str, column: str, parent: str) -> str:
    base = _base(child, column)
    return f"""
DROP TRIGGER {base}_new ON {child};
DROP TRIGGER {base}_changed ON {child};
DROP TRIGGER {base}_gone ON {parent};
DROP TRIGGER {base}_renamed ON {parent};
DROP FUNCTION {base}_new(), {base}_changed(), {base}_gone(), {base}_renamed();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for child, column, parent in REFERENCES:
            cursor.execute(
                """SELECT c.conname FROM pg_constraint c
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                   WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND c.confrelid = %s::regclass
                   AND a.attname = %s""",
                [child, parent, column],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {child} DROP CONSTRAINT "{name}"')
            cursor.execute(_create(child, column, parent))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for child, column, parent in REFERENCES:
            cursor.execute(_drop(child, column, parent))
            cursor.execute(
                f'ALTER TABLE {child} ADD CONSTRAINT "{child}_{column}_fk" FOREIGN KEY ({column}) '
                f"REFERENCES {parent} (id) DEFERRABLE INITIALLY DEFERRED"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0003_fewer_indexes"),
        ("organisations", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
