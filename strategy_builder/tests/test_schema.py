"""The four Strategy Builder tables against the table spec, to the letter.

The spec (shared/spec/strategy-builder-tables.md, beside the repository) is parsed here, so the tests
follow it rather than a copy of it: every column with its type, length, nullability and default (in Python
and in the database), every named index with its column order, and the foreign keys to
strategy_instances with ON DELETE CASCADE. The `mysql` tests read MySQL/MariaDB's information_schema; the
raw-SQL tests run on every database.
"""

import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.models import UniqueConstraint, Value
from django.db.models.functions import Now
from django.utils import timezone

from codegen.models import CodeGeneration
from quicktests.models import QuickTest
from sessions_app.models import BuilderSession
from strategies.models import StrategyInstance
from strategy_builder.models import RandomUUID

SPEC_PATH = Path(
    os.environ.get(
        "SB_TABLE_SPEC",
        Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "strategy-builder-tables.md",
    )
)
TABLES = ("node_templates", "quick_tests", "code_generations", "builder_sessions")
TYPE_FAMILIES = {  # spec type -> Django internal type
    "VARCHAR": "CharField",
    "TEXT": "TextField",
    "JSON": "JSONField",
    "BOOLEAN": "BooleanField",
    "INTEGER": "IntegerField",
    "FLOAT": "FloatField",
    "DATETIME": "DateTimeField",
}
NOW_DEFAULTS = {"now()", "CURRENT_TIMESTAMP"}


@dataclass(frozen=True)
class SpecColumn:
    name: str
    type: str  # VARCHAR, TEXT, ...
    length: int | None
    nullable: bool
    default: str  # as written: "-", "NULL", "UUID", "now()", "{}", "PENDING", ...


@dataclass(frozen=True)
class SpecIndex:
    name: str  # "PRIMARY" for the primary key, the constraint's column for a foreign key
    columns: tuple[str, ...]
    kind: str  # "primary", "foreign" or "index"
    references: tuple[str, str] | None = None  # (table, column) of a foreign key
    on_delete: str | None = None

    @property
    def unique(self) -> bool:
        return self.kind == "primary" or "unique" in self.name


@dataclass(frozen=True)
class SpecTable:
    name: str
    columns: dict[str, SpecColumn]
    indexes: tuple[SpecIndex, ...]

    @property
    def named_indexes(self) -> dict[str, SpecIndex]:
        return {index.name: index for index in self.indexes if index.kind == "index"}

    @property
    def foreign_keys(self) -> tuple[SpecIndex, ...]:
        return tuple(index for index in self.indexes if index.kind == "foreign")


_COLUMN_TYPE = re.compile(r"^(?P<type>[A-Z]+)(?:\((?P<length>\d+)\))?$")
_INDEX_ITEM = re.compile(r"^\d+\.\s+`(?P<body>[^`]+)`")
_PRIMARY = re.compile(r"^PRIMARY KEY \((?P<column>\w+)\)$")
_FOREIGN = re.compile(
    r"^FOREIGN KEY \((?P<column>\w+)\) REFERENCES (?P<table>\w+)\((?P<target>\w+)\) ON DELETE (?P<rule>[A-Z ]+)$"
)
_NAMED = re.compile(r"^(?P<name>\w+) \((?P<columns>\w+(?:, \w+)*)\)$")


def parse_spec(text: str) -> dict[str, SpecTable]:
    """The tables of the spec: each `## name` section's Schema table and Indexes list."""
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    tables = {}
    for section in sections:
        name, _, body = section.partition("\n")
        name = name.strip()
        if name not in TABLES:
            continue
        schema = body.split("### Schema", 1)[1].split("###", 1)[0]
        index_list = body.split("### Indexes", 1)[1].split("###", 1)[0]
        tables[name] = SpecTable(name=name, columns=_parse_columns(name, schema), indexes=_parse_indexes(index_list))
    return tables


def _parse_columns(table: str, schema: str) -> dict[str, SpecColumn]:
    columns = {}
    for line in schema.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] in {"Column", ""} or set(cells[0]) <= {"-"}:
            continue
        name, type_, nullable, default = cells[:4]
        match = _COLUMN_TYPE.match(type_)
        if not match or match["type"] not in TYPE_FAMILIES or nullable not in {"YES", "NO"}:
            raise ValueError(f"spec table {table}, column {name}: cannot read type {type_!r} / nullable {nullable!r}")
        columns[name] = SpecColumn(
            name=name,
            type=match["type"],
            length=int(match["length"]) if match["length"] else None,
            nullable=nullable == "YES",
            default=default,
        )
    return columns


def _parse_indexes(index_list: str) -> tuple[SpecIndex, ...]:
    indexes = []
    for line in index_list.splitlines():
        item = _INDEX_ITEM.match(line.strip())
        if not item:
            continue
        body = item["body"]
        if match := _PRIMARY.match(body):
            indexes.append(SpecIndex(name="PRIMARY", columns=(match["column"],), kind="primary"))
        elif match := _FOREIGN.match(body):
            indexes.append(
                SpecIndex(
                    name=match["column"],
                    columns=(match["column"],),
                    kind="foreign",
                    references=(match["table"], match["target"]),
                    on_delete=match["rule"],
                )
            )
        elif match := _NAMED.match(body):
            indexes.append(SpecIndex(name=match["name"], columns=tuple(match["columns"].split(", ")), kind="index"))
        else:
            raise ValueError(f"cannot read spec index {body!r}")
    return tuple(indexes)


@cache
def load_spec() -> dict[str, SpecTable]:
    if not SPEC_PATH.is_file():
        pytest.fail(
            f"The table spec is not at {SPEC_PATH}. It belongs beside the repository in "
            "shared/spec/strategy-builder-tables.md (or set SB_TABLE_SPEC to its path).",
            pytrace=False,
        )
    return parse_spec(SPEC_PATH.read_text(encoding="utf-8"))


def model_for(table: str) -> type[models.Model]:
    return next(model for model in apps.get_models() if model._meta.db_table == table)


def fields_by_column(model: type[models.Model]) -> dict[str, models.Field]:
    return {field.column: field for field in model._meta.concrete_fields}


def parse_literal_default(default: str):
    if default in {"{}", "[]"}:
        return json.loads(default)
    if default in {"TRUE", "FALSE"}:
        return default == "TRUE"
    if default.isdigit():
        return int(default)
    return default


def same_default(value, expected) -> bool:
    """Equal and of the same kind: FALSE is not 0, "1.0.0" is not 1 (a TextChoices member is its string)."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected
    return value == expected and isinstance(value, type(expected))


def db_default_value(field: models.Field):
    default = field.db_default
    return default.value if isinstance(default, Value) else default


# --- The spec, as read ---------------------------------------------------------------------------------


def test_spec_lists_the_four_tables_with_48_indexes_besides_primary_keys():
    spec = load_spec()

    assert set(spec) == set(TABLES)
    assert {table: len(spec[table].columns) for table in TABLES} == {
        "node_templates": 24,
        "quick_tests": 20,
        "code_generations": 21,
        "builder_sessions": 19,
    }
    named = sum(len(table.named_indexes) for table in spec.values())
    foreign = sum(len(table.foreign_keys) for table in spec.values())
    assert (named, foreign, named + foreign) == (45, 3, 48)


# --- The Django models ---------------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_every_spec_column_has_its_type_length_and_nullability(table):
    spec_table = load_spec()[table]
    fields = fields_by_column(model_for(table))
    problems = []
    for column in spec_table.columns.values():
        field = fields.get(column.name)
        if field is None:
            problems.append(f"{column.name}: no such column on the model")
            continue
        typed = field.target_field if field.is_relation else field
        if typed.get_internal_type() != TYPE_FAMILIES[column.type]:
            problems.append(f"{column.name}: {typed.get_internal_type()}, spec says {column.type}")
        if column.length is not None and typed.max_length != column.length:
            problems.append(f"{column.name}: max_length {typed.max_length}, spec says {column.length}")
        if field.null != column.nullable:
            problems.append(f"{column.name}: null={field.null}, spec says nullable {column.nullable}")
    assert problems == []


@pytest.mark.parametrize("table", TABLES)
def test_every_spec_default_is_the_python_and_the_database_default(table):
    spec_table = load_spec()[table]
    fields = fields_by_column(model_for(table))
    problems = []
    for column in spec_table.columns.values():
        field = fields[column.name]
        if column.default in {"-", "NULL"}:
            if field.has_default() or field.has_db_default():
                problems.append(f"{column.name}: has a default, spec says {column.default}")
        elif column.default == "UUID":
            first, second = field.get_default(), field.get_default()
            if not (isinstance(first, str) and str(uuid.UUID(first)) == first and first != second):
                problems.append(f"{column.name}: default {first!r} is not a fresh UUID string")
            if not isinstance(field.db_default, RandomUUID):
                problems.append(f"{column.name}: db_default {field.db_default!r} is not RandomUUID()")
        elif column.default in NOW_DEFAULTS:
            value = field.get_default()
            if not (timezone.is_aware(value) and abs(timezone.now() - value) < timedelta(minutes=1)):
                problems.append(f"{column.name}: Python default {value!r} is not now()")
            if not isinstance(field.db_default, Now):
                problems.append(f"{column.name}: db_default {field.db_default!r} is not Now()")
        else:
            expected = parse_literal_default(column.default)
            for where, value in (("Python", field.get_default()), ("database", db_default_value(field))):
                if not same_default(value, expected):
                    problems.append(f"{column.name}: {where} default {value!r}, spec says {column.default}")
    assert problems == []


@pytest.mark.parametrize("table", TABLES)
def test_every_spec_index_is_declared_with_its_name_and_column_order(table):
    spec_table = load_spec()[table]
    model = model_for(table)
    declared = {index.name: index for index in model._meta.indexes}
    declared |= {constraint.name: constraint for constraint in model._meta.constraints}

    problems = []
    for name, spec_index in spec_table.named_indexes.items():
        index = declared.get(name)
        if index is None:
            problems.append(f"{name}: not declared in Meta.indexes or Meta.constraints")
            continue
        columns = tuple(model._meta.get_field(field_name).column for field_name in index.fields)
        if columns != spec_index.columns:
            problems.append(f"{name}: columns {columns}, spec says {spec_index.columns}")
        if spec_index.unique != isinstance(index, UniqueConstraint):
            problems.append(f"{name}: unique={isinstance(index, UniqueConstraint)}, spec says {spec_index.unique}")
    assert problems == []
    assert set(declared) == set(spec_table.named_indexes), "indexes declared beyond the spec"


@pytest.mark.parametrize("table", [table for table in TABLES if table != "node_templates"])
def test_instance_id_is_a_database_cascading_foreign_key_to_strategy_instances(table):
    (spec_fk,) = load_spec()[table].foreign_keys
    field = fields_by_column(model_for(table))[spec_fk.columns[0]]

    assert field.many_to_one
    assert (field.related_model._meta.db_table, field.target_field.column) == spec_fk.references
    assert spec_fk.on_delete == "CASCADE"
    assert field.remote_field.on_delete is models.DB_CASCADE
    assert field.db_index is False, "the spec's ix_*_instance_id index serves the foreign key"


# --- The database: on MySQL/MariaDB, information_schema ---------------------------------------------------


def _query(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _in_tables(column: str) -> str:
    return f"{column} IN ({', '.join(['%s'] * len(TABLES))})"


@pytest.mark.mysql
@pytest.mark.django_db
def test_mysql_has_exactly_the_45_named_indexes_in_spec_column_order():
    rows = _query(
        "SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS "
        f"WHERE TABLE_SCHEMA = DATABASE() AND {_in_tables('TABLE_NAME')} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        TABLES,
    )
    found: dict[tuple[str, str], dict] = {}
    for table, index, _seq, column, non_unique in rows:
        entry = found.setdefault((table, index), {"columns": [], "unique": not non_unique})
        entry["columns"].append(column)

    expected = {
        (table, name): {"columns": list(index.columns), "unique": index.unique}
        for table, spec_table in load_spec().items()
        for name, index in spec_table.named_indexes.items()
    }
    expected |= {(table, "PRIMARY"): {"columns": ["id"], "unique": True} for table in TABLES}
    assert found == expected
    assert len(expected) - len(TABLES) == 45


@pytest.mark.mysql
@pytest.mark.django_db
def test_mysql_has_the_3_foreign_keys_to_strategy_instances_with_delete_cascade():
    rows = _query(
        "SELECT rc.TABLE_NAME, kcu.COLUMN_NAME, kcu.REFERENCED_TABLE_NAME, kcu.REFERENCED_COLUMN_NAME, rc.DELETE_RULE "
        "FROM information_schema.REFERENTIAL_CONSTRAINTS rc "
        "JOIN information_schema.KEY_COLUMN_USAGE kcu ON kcu.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA "
        "AND kcu.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND kcu.TABLE_NAME = rc.TABLE_NAME "
        f"WHERE rc.CONSTRAINT_SCHEMA = DATABASE() AND {_in_tables('rc.TABLE_NAME')}",
        TABLES,
    )
    expected = [
        (table, fk.columns[0], *fk.references, fk.on_delete)
        for table, spec_table in load_spec().items()
        for fk in spec_table.foreign_keys
    ]
    assert sorted(rows) == sorted(expected)
    assert len(rows) == 3


@pytest.mark.mysql
@pytest.mark.django_db
def test_mysql_column_types_lengths_and_nullability_match_the_spec():
    rows = _query(
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE "
        f"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND {_in_tables('TABLE_NAME')}",
        TABLES,
    )
    checks = {
        (table, name.lower()): clause.lower()
        for table, name, clause in _query(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
            f"WHERE CONSTRAINT_SCHEMA = DATABASE() AND {_in_tables('TABLE_NAME')}",
            TABLES,
        )
    }
    data_types = {  # spec type -> what MySQL 8 or MariaDB report
        "VARCHAR": {"varchar"},
        "TEXT": {"text", "mediumtext", "longtext"},
        "JSON": {"json", "longtext"},  # MariaDB's JSON is LONGTEXT with a JSON_VALID check
        "BOOLEAN": {"tinyint"},
        "INTEGER": {"int"},
        "FLOAT": {"double", "float"},
        "DATETIME": {"datetime"},
    }
    actual = {(table, column): (data_type, length, nullable) for table, column, data_type, length, nullable in rows}

    problems = []
    for table, spec_table in load_spec().items():
        for column in spec_table.columns.values():
            if (table, column.name) not in actual:
                problems.append(f"{table}.{column.name}: missing")
                continue
            data_type, length, nullable = actual[table, column.name]
            if data_type not in data_types[column.type]:
                problems.append(f"{table}.{column.name}: {data_type}, spec says {column.type}")
            if column.length is not None and length != column.length:
                problems.append(f"{table}.{column.name}: length {length}, spec says {column.length}")
            if (nullable == "YES") != column.nullable:
                problems.append(f"{table}.{column.name}: IS_NULLABLE {nullable}, spec says {column.nullable}")
            if column.type == "JSON" and data_type == "longtext":
                clause = checks.get((table, column.name), "")
                if f"json_valid(`{column.name}`)" not in clause:
                    problems.append(f"{table}.{column.name}: no JSON_VALID check")
    assert problems == []


# --- The database, any vendor: raw SQL as another client would write it ---------------------------------


def _instance() -> StrategyInstance:
    return StrategyInstance.objects.create(name="Schema test", user_id="1", logic_flow={"nodes": [], "edges": []})


@pytest.mark.django_db
def test_raw_delete_of_a_strategy_instance_cascades_to_its_tests_generations_and_sessions():
    instance, other = _instance(), _instance()
    flow = {"nodes": [], "edges": []}
    quick_test = QuickTest.objects.create(instance=instance, user_id="1", test_config={}, logic_flow_snapshot=flow)
    generation = CodeGeneration.objects.create(
        instance=instance, user_id="1", logic_flow_snapshot=flow, generated_code="pass", code_hash="0" * 64
    )
    session = BuilderSession.objects.create(instance=instance, user_id="1", draft_logic_flow=flow)
    unrelated = BuilderSession.objects.create(instance=other, user_id="1", draft_logic_flow=flow)
    new_draft = BuilderSession.objects.create(instance=None, user_id="1", draft_logic_flow=flow)

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM strategy_instances WHERE id = %s", [instance.id])

    assert not QuickTest.all_objects.filter(pk=quick_test.pk).exists()
    assert not CodeGeneration.all_objects.filter(pk=generation.pk).exists()
    assert not BuilderSession.all_objects.filter(pk=session.pk).exists()
    assert set(BuilderSession.all_objects.values_list("pk", flat=True)) == {unrelated.pk, new_draft.pk}


def _required_value(column: SpecColumn, instance_id: str, row: int = 0) -> str:
    if column.name == "instance_id":
        return instance_id
    if column.type == "JSON":
        return json.dumps({"nodes": [], "edges": []})
    if column.name == "node_type":
        return "INDICATOR"
    return str(row) * (column.length or 8)


@pytest.mark.django_db
@pytest.mark.parametrize("table", TABLES)
def test_raw_insert_without_defaulted_columns_gets_the_spec_defaults_from_the_database(table):
    """A client that names only the required columns gets the spec's defaults (status PENDING, is_deleted
    FALSE, created_at now, parameters_snapshot {} ...) from the database itself."""
    spec_table = load_spec()[table]
    model = model_for(table)
    instance = _instance()
    row_id = str(uuid.uuid4())
    required = [column for column in spec_table.columns.values() if not column.nullable and column.default == "-"]
    names = ["id", *(column.name for column in required)]
    values = [row_id, *(_required_value(column, instance.id) for column in required)]
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    before = timezone.now().replace(microsecond=0) - timedelta(seconds=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({', '.join(['%s'] * len(values))})",
            values,
        )

    row = model.all_objects.get(pk=row_id)
    fields = fields_by_column(model)
    problems = []
    for column in spec_table.columns.values():
        if column.name in names or column.default == "-":
            continue
        value = getattr(row, fields[column.name].attname)
        if column.default == "NULL":
            ok = value is None
        elif column.default in NOW_DEFAULTS:
            ok = value is not None and before <= value <= timezone.now() + timedelta(seconds=1)
        else:
            expected = parse_literal_default(column.default)
            ok = same_default(value, expected)
        if not ok:
            problems.append(f"{column.name}: {value!r}, spec default {column.default}")
    assert problems == []


@pytest.mark.django_db
@pytest.mark.parametrize("table", TABLES)
def test_raw_insert_without_an_id_gets_a_fresh_uuid_from_the_database(table):
    """The spec's `id ... DEFAULT UUID`: another client inserting rows without an id gets a new UUID string
    for each from the database (UUID() on MySQL/MariaDB, a randomblob() UUID on SQLite)."""
    spec_table = load_spec()[table]
    model = model_for(table)
    instance = _instance()
    required = [column for column in spec_table.columns.values() if not column.nullable and column.default == "-"]
    quoted = ", ".join(connection.ops.quote_name(column.name) for column in required)
    with connection.cursor() as cursor:
        for row in (1, 2):
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({', '.join(['%s'] * len(required))})",
                [_required_value(column, instance.id, row) for column in required],
            )

    ids = list(model.all_objects.values_list("id", flat=True))
    assert len(ids) == len(set(ids)) == 2
    assert all(len(row_id) == 36 and str(uuid.UUID(row_id)) == row_id for row_id in ids), ids
