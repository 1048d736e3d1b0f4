import factory
from django.contrib.auth import get_user_model

from engine.synthetic import generate_bars
from marketdata.choices import Timeframe
from marketdata.models import Dataset
from marketdata.services import dataset_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"trader{n}")
    password = factory.django.Password("a-long-test-password")


class DatasetFactory(factory.Factory):
    """A stored dataset of generated minute bars (row and Parquet file), made through the service."""

    class Meta:
        model = Dataset

    name = factory.Sequence(lambda n: f"Dataset {n}")
    symbol = "SYNTH"
    timeframe = Timeframe.MINUTE_1
    source = "generated for tests"
    user_id = None
    bar_count = 500
    seed = 7

    @classmethod
    def _create(cls, model_class, *, bar_count: int, seed: int, **kwargs) -> Dataset:
        return dataset_create(bars=generate_bars(bar_count, seed=seed), **kwargs)
