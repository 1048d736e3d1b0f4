"""created_by / updated_by hold the actor's username, as on every other table; these rows were stamped with
the user's id. A value that is no user's id (a job's name, a deleted user's id) is left as it is."""

from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations

MODELS = ("StrategyTemplate", "StrategyInstance")
ACTOR_FIELDS = ("created_by", "updated_by")
BATCH = 1000


def _rename(apps, mapping_of):
    """Map every stored actor through `mapping` at once, by primary key: a username may itself look like
    another user's id, so renaming value by value could rename a row twice."""
    User = apps.get_model(settings.AUTH_USER_MODEL)
    mapping = mapping_of(User)
    for model_name in MODELS:
        model = apps.get_model("strategies", model_name)
        for field in ACTOR_FIELDS:
            stored = model._base_manager.order_by().values_list(field, flat=True).distinct()
            renamed = [value for value in stored if value in mapping]
            by_new_value = defaultdict(list)
            for start in range(0, len(renamed), BATCH):
                rows = model._base_manager.filter(**{f"{field}__in": renamed[start : start + BATCH]})
                for pk, old in rows.values_list("pk", field).iterator():
                    by_new_value[mapping[old]].append(pk)
            for new, pks in by_new_value.items():
                for start in range(0, len(pks), BATCH):
                    model._base_manager.filter(pk__in=pks[start : start + BATCH]).update(**{field: new})


def ids_to_usernames(apps, schema_editor):
    username_field = get_user_model().USERNAME_FIELD
    _rename(apps, lambda User: {str(pk): name for pk, name in User._base_manager.values_list("pk", username_field)})


def usernames_to_ids(apps, schema_editor):
    username_field = get_user_model().USERNAME_FIELD
    _rename(apps, lambda User: {name: str(pk) for pk, name in User._base_manager.values_list("pk", username_field)})


class Migration(migrations.Migration):
    dependencies = [
        ("strategies", "0002_id_database_default"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(ids_to_usernames, usernames_to_ids, elidable=True)]
