"""Each of the spec's node_templates common queries, as the querysets build them, uses its named index on
MySQL/MariaDB. The table holds what a medium deployment holds (the spec: about 500 rows): the real system
library, with its own mix of types and categories, and a few hundred users' custom templates, most of them
indicator presets, some soft-deleted; ANALYZEd so the optimizer chooses on real statistics."""

import random

import pytest
from django.db import connection

from engine.library import load_system_templates
from nodes.models import NodeTemplate
from quicktests.tests.test_indexes_mysql import _plan

# transaction=True: ANALYZE TABLE commits implicitly, so these rows must be flushed, not rolled back.
pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

USERS, CUSTOM_PER_USER = 60, 6  # 360 custom templates beside the system library's 141
# Users' own templates: indicator presets, and composites (conditions, signals) filed under what they detect.
CUSTOM_KINDS = [("INDICATOR", "TREND")] * 4 + [("INDICATOR", "MOMENTUM")] * 4 + [("INDICATOR", "VOLATILITY")] * 2
CUSTOM_KINDS += [("CONDITION", "TREND"), ("CONDITION", "MOMENTUM"), ("SIGNAL", "TREND"), ("SIGNAL", "MOMENTUM")]


class _User:
    def __init__(self, pk: str):
        self.pk = pk


@pytest.fixture
def library():
    rng = random.Random(8)
    system = [
        NodeTemplate(
            name=template["name"],
            display_name=template["display_name"],
            node_type=template["node_type"],
            category=template["category"],
            is_system_template=True,
            usage_count=rng.randint(0, 5_000),
        )
        for template in load_system_templates()
    ]
    custom = []
    for user in range(USERS):
        for number in range(CUSTOM_PER_USER):
            node_type, category = rng.choice(CUSTOM_KINDS)
            custom.append(
                NodeTemplate(
                    name=f"u{user}_custom_{number}",
                    display_name=f"Custom {number}",
                    node_type=node_type,
                    category=category,
                    user_id=str(user),
                    usage_count=rng.randint(0, 50),
                    is_deleted=rng.random() < 0.05,
                )
            )
    NodeTemplate.all_objects.bulk_create(system + custom)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE node_templates")


def test_system_indicators_use_ix_node_type_system(library):
    plan = _plan(NodeTemplate.objects.system().of_type("INDICATOR"))

    # MariaDB may intersect it with ix_node_templates_is_system_template (index_merge), which adds nothing.
    assert "ix_node_type_system" in plan["keys"], plan


def test_a_users_custom_signals_use_ix_node_user_type(library):
    plan = _plan(NodeTemplate.objects.custom().filter(user_id="7").of_type("SIGNAL"))

    assert plan["keys"] == ["ix_node_user_type"], plan


def test_a_category_and_type_use_ix_node_category_type(library):
    # Momentum holds indicators, and users' conditions and signals: neither column alone is selective.
    plan = _plan(NodeTemplate.objects.in_category("MOMENTUM").of_type("CONDITION"))

    assert plan["keys"] == ["ix_node_category_type"], plan


def test_the_soft_deleted_templates_newest_first_use_ix_node_deleted_created(library):
    """The spec's fourth query, "most popular templates: WHERE is_deleted = FALSE ORDER BY usage_count DESC,
    uses ix_node_deleted_created + sort", is not tested: nearly every template is alive and the index's
    order is not usage_count's, so MariaDB scans and sorts the few hundred rows (or reads them through
    ix_node_templates_is_deleted, as its sampled statistics fall), never through this index. What the index
    does serve: the deleted templates (the admin's "is deleted" filter, a restore list), newest first."""
    plan = _plan(NodeTemplate.all_objects.deleted().order_by("-created_at"))

    assert plan["keys"] == ["ix_node_deleted_created"], plan
