"""The practice is the shard key: every table holding a client's record carries it, and the Citus
plan in docs/scaling.md names every table of the project exactly once.

The models are walked at test time, so a model added later fails here until it has a practice
foreign key (or a stated exception below) and docs/scaling.md says how Citus is to hold its table.
"""

import re
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from kithkin.practices.models import Practice

SCALING = Path(__file__).resolve().parent.parent / "docs" / "scaling.md"
SHARD_KEY = "practice_id"

# Kithkin models with no practice foreign key, each with the reason it may go without one.
WITHOUT_PRACTICE = {
    "practices.Practice": "the tenant itself: its id is the shard key's value",
    "accounts.User_groups": "Django's link of a user to a permission group, no clinical data",
    "accounts.User_user_permissions": "Django's link of a user to a permission, no clinical data",
}
# Kithkin models whose practice may be empty.
PRACTICE_MAY_BE_EMPTY = {
    "accounts.User": "an operator's or superuser's account belongs to no practice",
}
# Tables with a practice foreign key that Citus holds as reference tables, not by the shard key.
REFERENCE_DESPITE_PRACTICE = {
    "accounts_user": "found by username at login before any practice is known, and pointed at by "
    "the distributed tables (therapist, author, signed by)",
}


def kithkin_models():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_config.name.startswith("kithkin.")
    ]


def all_models():
    return apps.get_models(include_auto_created=True)


def practice_key(model):
    return next(
        (
            field
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is Practice
        ),
        None,
    )


def distributed_tables() -> set[str]:
    return {
        model._meta.db_table
        for model in all_models()
        if practice_key(model) is not None
        and model._meta.db_table not in REFERENCE_DESPITE_PRACTICE
    }


def unique_column_sets(model) -> set[tuple[str, ...]]:
    """Every unique constraint of the table but its primary key, as sorted column names."""
    meta = model._meta
    found = {
        (field.column,) for field in meta.concrete_fields if field.unique and not field.primary_key
    }
    for names in meta.unique_together:
        found.add(tuple(meta.get_field(name).column for name in names))
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            assert constraint.fields, f"{meta.label}: {constraint.name} has no plain fields"
            found.add(tuple(meta.get_field(name).column for name in constraint.fields))
    return {tuple(sorted(columns)) for columns in found}


# --- Reading docs/scaling.md --------------------------------------------------------------------


def doc_section(heading: str) -> str:
    text = SCALING.read_text()
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^#{{2,3}} |\Z)", text, re.M | re.S)
    assert match, f"docs/scaling.md has no section '### {heading}'"
    return match.group(1)


def doc_sql_tables(function: str) -> list[str]:
    return re.findall(rf"{function}\('([a-z0-9_]+)'", doc_section("The commands"))


def doc_local_tables() -> list[str]:
    return re.findall(r"^- `([a-z0-9_]+)`", doc_section("Left on the coordinator"), re.M)


def doc_unique_constraints() -> list[tuple[str, tuple[str, ...]]]:
    rows = re.findall(
        r"^\| `([a-z0-9_]+)` \| ([^|]+) \|", doc_section("Unique constraints to widen"), re.M
    )
    return [
        (table, tuple(sorted(re.findall(r"`([a-z0-9_]+)`", columns)))) for table, columns in rows
    ]


# --- The model rule ---------------------------------------------------------------------------


def test_every_kithkin_model_holding_client_data_has_a_practice_foreign_key():
    missing = [
        model._meta.label
        for model in kithkin_models()
        if practice_key(model) is None and model._meta.label not in WITHOUT_PRACTICE
    ]
    assert missing == [], (
        f"{missing} have no practice foreign key: derive them from PracticeScoped "
        "(kithkin.practices.models), or name them in WITHOUT_PRACTICE with the reason"
    )


def test_no_practice_foreign_key_may_be_empty_but_the_named_ones():
    nullable = [
        model._meta.label
        for model in kithkin_models()
        if (key := practice_key(model)) is not None
        and key.null
        and model._meta.label not in PRACTICE_MAY_BE_EMPTY
    ]
    assert nullable == [], f"{nullable}: a row without its practice has no shard"


def test_the_stated_exceptions_are_still_models():
    labels = {model._meta.label for model in kithkin_models()}
    tables = {model._meta.db_table for model in all_models()}
    assert set(WITHOUT_PRACTICE) <= labels
    assert set(PRACTICE_MAY_BE_EMPTY) <= labels
    assert set(REFERENCE_DESPITE_PRACTICE) <= tables
    assert get_user_model()._meta.db_table in REFERENCE_DESPITE_PRACTICE


# --- The Citus plan in docs/scaling.md --------------------------------------------------------


def test_the_doc_distributes_exactly_the_tables_with_a_practice():
    listed = doc_sql_tables("create_distributed_table")
    assert len(listed) == len(set(listed)), "a table is distributed twice"
    assert set(listed) == distributed_tables(), (
        f"missing from docs/scaling.md: {sorted(distributed_tables() - set(listed))}; "
        f"no longer tables with a practice: {sorted(set(listed) - distributed_tables())}"
    )
    section = doc_section("The commands")
    assert all(
        f"create_distributed_table('{table}', '{SHARD_KEY}'" in section for table in listed
    ), "every table is distributed by practice_id"


def test_the_doc_places_every_other_table_once():
    reference = doc_sql_tables("create_reference_table")
    local = doc_local_tables()
    placed = [*doc_sql_tables("create_distributed_table"), *reference, *local]
    assert len(placed) == len(set(placed)), "a table is placed twice"
    tables = {model._meta.db_table for model in all_models()}
    assert set(placed) == tables, (
        f"not placed: {sorted(tables - set(placed))}; not tables: {sorted(set(placed) - tables)}"
    )


def test_every_foreign_key_is_one_citus_accepts():
    """Citus refuses a foreign key from a reference table to a distributed one, and from a
    distributed or reference table to a table left on the coordinator."""
    distributed = set(doc_sql_tables("create_distributed_table"))
    reference = set(doc_sql_tables("create_reference_table"))
    local = set(doc_local_tables())
    refused = []
    for model in all_models():
        table = model._meta.db_table
        for field in model._meta.concrete_fields:
            if not field.is_relation:
                continue
            target = field.related_model._meta.db_table
            if table in reference and target in distributed:
                refused.append(f"{table}.{field.column} -> {target}")
            if table not in local and target in local:
                refused.append(f"{table}.{field.column} -> {target}")
    assert refused == []


def test_the_reference_tables_come_before_the_distributed_ones():
    section = doc_section("The commands")
    last_reference = max(section.index(f"('{t}'") for t in doc_sql_tables("create_reference_table"))
    first_distributed = min(
        section.index(f"('{t}'") for t in doc_sql_tables("create_distributed_table")
    )
    assert last_reference < first_distributed


def test_the_doc_lists_every_unique_constraint_without_the_shard_key():
    expected = {
        (model._meta.db_table, columns)
        for model in all_models()
        if model._meta.db_table in distributed_tables()
        for columns in unique_column_sets(model)
        if SHARD_KEY not in columns
    }
    listed = doc_unique_constraints()
    assert len(listed) == len(set(listed))
    assert set(listed) == expected, (
        f"missing from docs/scaling.md: {sorted(expected - set(listed))}; "
        f"not (or no longer) constraints: {sorted(set(listed) - expected)}"
    )


def test_only_the_chain_head_is_keyed_by_its_practice():
    """The doc says every distributed table's primary key is `id` but audit_chainhead's."""
    keyed_by_practice = {
        model._meta.db_table
        for model in all_models()
        if model._meta.db_table in distributed_tables() and model._meta.pk.column == SHARD_KEY
    }
    others = {
        model._meta.pk.column
        for model in all_models()
        if model._meta.db_table in distributed_tables() - keyed_by_practice
    }
    assert keyed_by_practice == {"audit_chainhead"}
    assert others == {"id"}
