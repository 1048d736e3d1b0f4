from collections.abc import Callable
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandParser

from engine.bars import Bars, bars_from_frame
from engine.synthetic import generate_bars
from marketdata.choices import Timeframe
from marketdata.models import Dataset
from marketdata.services import dataset_create


@dataclass(frozen=True)
class Demo:
    name: str
    symbol: str
    timeframe: str
    source: str
    bars: Callable[[], Bars]


def _backtesting_frame(attribute: str) -> Bars:
    import backtesting.test  # the real daily and hourly data backtesting.py ships with

    return bars_from_frame(getattr(backtesting.test, attribute))


GENERATED_BARS = 1_000_000

DEMOS = (
    Demo(
        name="GOOG daily 2004-2013",
        symbol="GOOG",
        timeframe=Timeframe.DAY_1,
        source="backtesting.py bundled data: GOOG.csv",
        bars=lambda: _backtesting_frame("GOOG"),
    ),
    Demo(
        name="EUR/USD hourly 2017-2018",
        symbol="EURUSD",
        timeframe=Timeframe.HOUR_1,
        source="backtesting.py bundled data: EURUSD.csv",
        bars=lambda: _backtesting_frame("EURUSD"),
    ),
    Demo(
        name="Synthetic 1-minute series, 1M bars",
        symbol="SYNTH",
        timeframe=Timeframe.MINUTE_1,
        source="generated: engine.synthetic.generate_bars(1000000, seed=42)",
        bars=lambda: generate_bars(GENERATED_BARS, seed=42),
    ),
)


class Command(BaseCommand):
    help = (
        "Load the shared demo datasets (real GOOG daily and EUR/USD hourly bars, a long generated series). Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skip-generated", action="store_true", help="Load only the real data sets.")

    def handle(self, *args, skip_generated: bool, **options) -> None:
        for demo in DEMOS:
            if skip_generated and demo.source.startswith("generated"):
                continue
            if Dataset.objects.filter(user_id__isnull=True, source=demo.source).exists():
                self.stdout.write(f"{demo.name}: already loaded.")
                continue
            dataset = dataset_create(
                bars=demo.bars(),
                name=demo.name,
                symbol=demo.symbol,
                timeframe=demo.timeframe,
                user_id=None,
                source=demo.source,
                actor="load_demo_datasets",
            )
            self.stdout.write(self.style.SUCCESS(f"{demo.name}: loaded {dataset.bar_count} bars ({dataset.id})."))
