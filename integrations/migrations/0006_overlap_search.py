"""Overlap detection's first cut (integrations.overlap): `pg_trgm`; three stored columns
PostgreSQL generates, `name_key` (the name as `words` reads it), `name_words` (its words) and
`description_document` (a text search vector of the description); a GIN trigram index on the
first, GIN indexes on the others. PostgreSQL only:
on SQLite (the demo) the extension and the indexes are skipped and overlap detection reads the
whole category, as before. The index expressions are the ones the queries spell
(`integrations.overlap`); tests/integrations/test_overlap_scale.py checks that they use the
indexes."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

NAME_INDEX = "integration_name_trgm_idx"
WORDS_INDEX = "integration_name_words_idx"
DOCUMENT_INDEX = "integration_description_fts_idx"
# integrations.overlap.name_key_sql("name") when this migration was written (frozen here;
# tests/integrations/test_overlap_scale.py checks that the column still reads names as
# `words` does).
NAME_KEY = (
    "regexp_replace(lower(regexp_replace(name, '(?<=[a-z0-9])(?=[A-Z])|"
    "(?<=[A-Z])(?=[A-Z][a-z])', ' ', 'g')), '\\m(?:a|all|also|an|and|any|app|application|are|"
    "as|at|auth|backend|be|by|can|connector|engine|engines|for|from|hashicorp|hcp|in|"
    "integration|integrations|into|is|it|its|method|methods|of|on|or|our|plugin|plugins|"
    "provider|secret|secrets|that|the|this|to|using|vault|via|we|which|will|with|you|"
    "your)\\M', ' ', 'g')"
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Stored, so a search reads what it compares instead of computing it for every row. Not
    # model fields: only integrations.overlap reads them. A later migration that changes the
    # type of `name` or `description` drops them first and adds them again after.
    schema_editor.execute(
        "ALTER TABLE integrations_integration "
        f"ADD COLUMN name_key text GENERATED ALWAYS AS ({NAME_KEY}) STORED, "
        "ADD COLUMN name_words text[] GENERATED ALWAYS AS "
        f"(array_remove(regexp_split_to_array({NAME_KEY}, '[^a-z0-9]+'), '')) STORED, "
        "ADD COLUMN description_document tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, description)) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX {NAME_INDEX} ON integrations_integration USING gin (name_key gin_trgm_ops)"
    )
    schema_editor.execute(
        f"CREATE INDEX {WORDS_INDEX} ON integrations_integration USING gin (name_words)"
    )
    schema_editor.execute(
        f"CREATE INDEX {DOCUMENT_INDEX} ON integrations_integration "
        "USING gin (description_document)"
    )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {WORDS_INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {DOCUMENT_INDEX}")
    schema_editor.execute(
        "ALTER TABLE integrations_integration DROP COLUMN IF EXISTS name_key, "
        "DROP COLUMN IF EXISTS name_words, "
        "DROP COLUMN IF EXISTS description_document"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0005_history_of_fields"),
    ]

    operations = [
        TrigramExtension(),  # does nothing on other databases
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
