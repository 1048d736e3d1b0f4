"""The system Stop Loss and Trailing Stop take a percent below 100 (exclusiveMaximum), as the simulation
requires, and their descriptions say so (engine/library/curation.json). The library's version is unchanged,
so that flows pinned to 1.0.0 keep working, and seeding leaves a same-version row as it is: this migration
brings the stored schemas up to date. Flow validation enforces the range whatever a stored schema says."""

from django.db import migrations

UPPER_BOUNDS = {
    "stop_loss": ("exclusiveMaximum", "Distance from the entry price, in percent (2 = 2 %); less than 100."),
    "trailing_stop": (
        "exclusiveMaximum",
        "Distance from the best price since entry, in percent (3 = 3 %); less than 100.",
    ),
    "take_profit": ("maximum", "Distance from the entry price, in percent (4 = 4 %); at most 100."),
}


def _set_bounds(apps, schema_editor, *, reverse=False):
    NodeTemplate = apps.get_model("nodes", "NodeTemplate")
    for template in NodeTemplate._base_manager.filter(is_system_template=True, name__in=list(UPPER_BOUNDS)):
        percent = (template.parameter_schema or {}).get("properties", {}).get("percent")
        if not isinstance(percent, dict) or 100 not in (percent.get("maximum"), percent.get("exclusiveMaximum")):
            continue  # changed by staff since: theirs to keep
        keyword, description = UPPER_BOUNDS[template.name]
        if reverse:
            keyword, description = "maximum", description.rsplit(";", 1)[0] + "."
        percent.pop("maximum", None)
        percent.pop("exclusiveMaximum", None)
        percent[keyword] = 100
        percent["description"] = description
        template.save(update_fields=["parameter_schema"])


def forwards(apps, schema_editor):
    _set_bounds(apps, schema_editor)


def backwards(apps, schema_editor):
    _set_bounds(apps, schema_editor, reverse=True)


class Migration(migrations.Migration):
    dependencies = [("nodes", "0002_id_database_default")]

    operations = [migrations.RunPython(forwards, backwards)]
