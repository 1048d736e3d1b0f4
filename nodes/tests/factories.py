import factory
from django.contrib.auth import get_user_model

from nodes.choices import NodeType
from nodes.models import NodeTemplate


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"trader{n}")
    password = "!"  # unusable: tests log in with force_login / force_authenticate


class StaffFactory(UserFactory):
    class Meta:
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True

    @factory.post_generation
    def node_template_permissions(self, create, extracted, **kwargs):
        from django.contrib.auth.models import Permission

        if create:
            self.user_permissions.add(*Permission.objects.filter(content_type__app_label="nodes"))


class SuperuserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


def _period_schema(minimum: int = 1, maximum: int = 500) -> dict:
    return {
        "type": "object",
        "properties": {"timeperiod": {"type": "integer", "minimum": minimum, "maximum": maximum}},
        "required": ["timeperiod"],
        "additionalProperties": False,
    }


class NodeTemplateFactory(factory.django.DjangoModelFactory):
    """A well-formed system indicator computed by TA-Lib's SMA."""

    class Meta:
        model = NodeTemplate

    name = factory.Sequence(lambda n: f"test_average_{n}")
    display_name = factory.Sequence(lambda n: f"Test average {n}")
    description = "Mean of the last `timeperiod` values."
    node_type = NodeType.INDICATOR
    category = "TREND"
    version = "1.0.0"
    parameter_schema = factory.LazyFunction(_period_schema)
    default_parameters = factory.LazyFunction(lambda: {"timeperiod": 20})
    input_ports = factory.LazyFunction(lambda: [{"name": "series", "type": "series", "required": True}])
    output_ports = factory.LazyFunction(lambda: [{"name": "value", "type": "series"}])
    execution_hints = factory.LazyFunction(lambda: {"op": "talib", "function": "SMA"})
    is_system_template = True
    user_id = None
    icon = "chart-line"
    color = "#1f77b4"


class CustomNodeTemplateFactory(NodeTemplateFactory):
    """A user's custom template, a preset of the library's `sma`; pass `owner=<user>`."""

    class Meta:
        model = NodeTemplate
        exclude = ("owner",)

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"my_average_{n}")
    parameter_schema = factory.LazyFunction(lambda: _period_schema(2, 50))
    default_parameters = factory.LazyFunction(lambda: {"timeperiod": 10})
    input_ports = factory.LazyFunction(list)
    output_ports = factory.LazyFunction(list)
    execution_hints = factory.LazyFunction(lambda: {"op": "preset", "base": "sma"})
    is_system_template = False
    user_id = factory.LazyAttribute(lambda o: str(o.owner.pk))


def template_data(**overrides) -> dict:
    """The definition of a well-formed custom template (a preset of the library's `sma`), as the API takes it."""
    data = {
        "name": "fast_average",
        "display_name": "Fast average",
        "description": "A short simple moving average.",
        "node_type": "INDICATOR",
        "category": "TREND",
        "version": "1.0.0",
        "parameter_schema": _period_schema(2, 50),
        "default_parameters": {"timeperiod": 10},
        "input_ports": [{"name": "series", "type": "series", "required": True}],
        "output_ports": [{"name": "value", "type": "series"}],
        "execution_hints": {"op": "preset", "base": "sma"},
        "validation_rules": None,
        "icon": "chart-line",
        "color": "#ff7f0e",
    }
    data.update(overrides)
    return data
