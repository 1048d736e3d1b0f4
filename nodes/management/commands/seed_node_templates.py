from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from engine.library import load_system_templates
from nodes.services import node_templates_seed


class Command(BaseCommand):
    help = (
        "Seed the system node library (engine/library) into node_templates, in one transaction. "
        "Idempotent: creates missing templates, updates those whose version in the data is newer, "
        "never downgrades, and leaves templates staff soft-deleted alone unless --restore-deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--restore-deleted",
            action="store_true",
            help="Also restore system templates that a staff member soft-deleted.",
        )

    def handle(self, *args, restore_deleted: bool, **options):
        try:
            result = node_templates_seed(templates=load_system_templates(), restore_deleted=restore_deleted)
        except ValidationError as exc:
            problems = "\n".join(
                f"  {where}: {message}" for where, messages in exc.message_dict.items() for message in messages
            )
            raise CommandError(f"The system library is invalid; nothing was written.\n{problems}") from exc

        self.stdout.write(
            f"{len(result.created)} created, {len(result.updated)} updated, {len(result.unchanged)} unchanged"
            + (f", {len(result.restored)} restored" if result.restored else "")
        )
        if result.left_deleted:
            self.stdout.write(
                f"{len(result.left_deleted)} left deleted (use --restore-deleted to restore): "
                + ", ".join(result.left_deleted)
            )
        if result.differing_same_version:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(result.differing_same_version)} differ from the data at the same version and were kept "
                    "as they are (raise the version in the data to apply it): "
                    + ", ".join(result.differing_same_version)
                )
            )
        self.stdout.write(self.style.SUCCESS("System node library seeded."))
