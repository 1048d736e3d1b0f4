from django.core.management.base import BaseCommand

from strategy_builder.beat import sync_beat_schedule


class Command(BaseCommand):
    help = (
        "Write the periodic jobs declared in strategy_builder/beat.py into django-celery-beat "
        "(create or update them; disable the ones no longer declared). Safe to run on every start."
    )

    def handle(self, *args, **options) -> None:
        report = sync_beat_schedule()
        for label, names in (
            ("created", report.created),
            ("updated", report.updated),
            ("disabled", report.disabled),
        ):
            for name in names:
                self.stdout.write(f"{label}: {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Beat schedule in sync: {len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged, {len(report.disabled)} disabled."
            )
        )
