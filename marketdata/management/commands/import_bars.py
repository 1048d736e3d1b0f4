from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from engine.errors import DataError
from marketdata.choices import Timeframe
from marketdata.services import dataset_import_csv


class Command(BaseCommand):
    help = (
        "Import a CSV of OHLCV bars (timestamp, open, high, low, close, volume) as a dataset. A local file of any"
        " size is read: DATASET_UPLOAD_MAX_BYTES limits uploads only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file to import.")
        parser.add_argument("--symbol", required=True)
        parser.add_argument("--timeframe", required=True, choices=Timeframe.values)
        parser.add_argument("--name", help="Display name (default: SYMBOL TIMEFRAME).")
        parser.add_argument("--shared", action="store_true", help="Make the dataset available to every user.")
        parser.add_argument("--user", help="Username of the owner (required unless --shared).")

    def handle(
        self,
        *args,
        file: Path,
        symbol: str,
        timeframe: str,
        name: str | None,
        shared: bool,
        user: str | None,
        **options,
    ) -> None:
        if shared == bool(user):
            raise CommandError("Give exactly one of --shared or --user.")
        user_id = None if shared else _user_id(user)
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            dataset = dataset_import_csv(
                file=str(file),
                name=name or f"{symbol} {timeframe}",
                symbol=symbol,
                timeframe=timeframe,
                user_id=user_id,
                source=f"CSV import: {file.name}",
                actor="import_bars",
            )
        except DataError as exc:
            problems = "\n".join(_describe(p) for p in exc.as_dicts())
            raise CommandError(f"{file} was not imported:\n{problems}") from exc
        except ValidationError as exc:
            raise CommandError(f"{file} was not imported: {'; '.join(exc.messages)}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Imported {dataset.bar_count} bars of {symbol} {timeframe} as dataset {dataset.id}.")
        )


def _user_id(username: str) -> str:
    try:
        return str(get_user_model().objects.get_by_natural_key(username).pk)
    except ObjectDoesNotExist:
        raise CommandError(f"No user {username!r}.") from None


def _describe(problem: dict) -> str:
    where = ", ".join(f"{key} {problem[key]}" for key in ("line", "field") if key in problem)
    return f"  {where}: {problem['message']}" if where else f"  {problem['message']}"
