from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from engine.library import load_system_templates
from engine.templates import params_problems, template_problems
from nodes.models import NodeTemplate
from nodes.selectors import node_template_as_engine_dict

pytestmark = pytest.mark.django_db

COMMAND_MODULE = "nodes.management.commands.seed_node_templates"


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_node_templates", *args, stdout=out)
    return out.getvalue()


def stamps() -> dict[str, tuple]:
    return {t.name: (t.updated_at, t.updated_by) for t in NodeTemplate.all_objects.all()}


@pytest.fixture
def library(monkeypatch):
    """The library data the command seeds, editable by the test."""
    templates = load_system_templates()
    monkeypatch.setattr(f"{COMMAND_MODULE}.load_system_templates", lambda: templates)
    return {t["name"]: t for t in templates}


def test_the_seed_loads_the_whole_system_library():
    output = seed()

    count = len(load_system_templates())
    assert count > 100
    assert NodeTemplate.objects.system().count() == count
    assert not NodeTemplate.objects.custom().exists()
    assert f"{count} created, 0 updated, 0 unchanged" in output
    sma = NodeTemplate.objects.get(name="sma")
    assert (sma.created_by, sma.user_id, sma.node_type) == ("seed_node_templates", None, "INDICATOR")


def test_a_second_run_changes_nothing():
    seed()
    before = stamps()

    output = seed()

    assert stamps() == before
    assert f"0 created, 0 updated, {len(before)} unchanged" in output


def test_every_seeded_template_is_well_formed_and_its_defaults_validate():
    seed()

    rows = list(NodeTemplate.objects.system())
    assert len(rows) > 100
    for row in rows:
        assert template_problems(node_template_as_engine_dict(row)) == [], row.name
        assert params_problems(row.parameter_schema, row.default_parameters, field="default_parameters") == [], row.name


def test_a_newer_version_in_the_data_updates_the_template(library):
    seed()
    before = stamps()
    library["sma"].update(version="1.1.0", display_name="Simple Moving Average (SMA)")

    output = seed()

    sma = NodeTemplate.objects.get(name="sma")
    assert (sma.version, sma.display_name) == ("1.1.0", "Simple Moving Average (SMA)")
    assert sma.updated_at > before["sma"][0]
    assert "0 created, 1 updated" in output
    assert {k: v for k, v in stamps().items() if k != "sma"} == {k: v for k, v in before.items() if k != "sma"}


def test_an_older_version_in_the_data_never_downgrades(library):
    seed()
    NodeTemplate.objects.filter(name="rsi").update(version="1.10.0")
    library["rsi"].update(version="1.9.0", display_name="Downgraded")

    seed()

    rsi = NodeTemplate.objects.get(name="rsi")
    assert (rsi.version, rsi.display_name) == ("1.10.0", "Relative Strength Index")


def test_a_staff_edit_at_the_same_version_is_kept_and_reported(library):
    seed()
    NodeTemplate.objects.filter(name="ema").update(display_name="EMA (house style)")

    output = seed()

    assert NodeTemplate.objects.get(name="ema").display_name == "EMA (house style)"
    assert "1 differ from the data at the same version" in output
    assert "ema" in output


def test_a_template_staff_soft_deleted_stays_deleted_unless_asked(library):
    seed()
    NodeTemplate.objects.filter(name="macd").soft_delete(by="staff")
    library["macd"]["version"] = "2.0.0"

    output = seed()
    macd = NodeTemplate.all_objects.get(name="macd")
    assert macd.is_deleted and macd.version == "1.0.0"
    assert "1 left deleted" in output and "macd" in output

    output = seed("--restore-deleted")
    macd.refresh_from_db()
    assert not macd.is_deleted and macd.deleted_at is None
    assert macd.version == "2.0.0"
    assert "1 updated" in output and "1 restored" in output


def test_an_invalid_template_in_the_data_aborts_the_seed_naming_it_and_writes_nothing(library):
    library["sma"]["default_parameters"] = {"timeperiod": 0}
    library["rsi"]["input_ports"] = [{"name": "series", "type": "matrix"}]

    with pytest.raises(CommandError) as caught:
        seed()

    message = str(caught.value)
    assert "sma.default_parameters" in message and "rsi.input_ports" in message
    assert not NodeTemplate.all_objects.exists()


def test_a_failure_midway_rolls_back_the_updates_already_made(library):
    seed()
    before = stamps()
    library["sma"]["version"] = "1.1.0"  # would be updated first ...
    library["wma"].update(version="1.1.0", output_ports="value")  # ... then this fails

    with pytest.raises(CommandError):
        seed()

    assert stamps() == before
    assert NodeTemplate.objects.get(name="sma").version == "1.0.0"
