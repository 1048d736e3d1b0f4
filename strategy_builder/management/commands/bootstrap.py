import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

CREDENTIALS_FILE = "bootstrap-credentials.json"
APP_LOGIN = "/accounts/login/"  # the browser app's sign-in
ADMIN_LOGIN = "/admin/"
API_LOGIN = "/api/auth/login/"  # the browsable API's sign-in


@dataclass(frozen=True)
class Account:
    username: str
    env_variable: str
    staff: bool


ACCOUNTS = (
    Account(username="admin", env_variable="BOOTSTRAP_ADMIN_PASSWORD", staff=True),
    Account(username="demo", env_variable="BOOTSTRAP_DEMO_PASSWORD", staff=False),
)


def _signs_in_at(account: Account) -> str:
    if account.staff:
        return f"signs in at {APP_LOGIN}, {ADMIN_LOGIN} and {API_LOGIN}"
    return f"signs in at {APP_LOGIN} and {API_LOGIN} (not {ADMIN_LOGIN}, which is for staff)"


class Command(BaseCommand):
    help = (
        "Make a migrated database ready to use: seed the system node library, register the periodic "
        "tasks with django-celery-beat, and create a staff superuser 'admin' and a user 'demo'. "
        "Idempotent. Passwords come from BOOTSTRAP_ADMIN_PASSWORD / BOOTSTRAP_DEMO_PASSWORD, or, with "
        f"DEBUG on, are generated once and kept in VAR_DIR/{CREDENTIALS_FILE}."
    )

    def handle(self, *args, **options):
        self._run_if_available("seed_node_templates", "system node library")
        self._run_if_available("sync_beat_schedule", "periodic tasks")
        self._ensure_accounts()

    def _run_if_available(self, command: str, what: str) -> None:
        if command in get_commands():
            self.stdout.write(f"Bootstrapping the {what} ({command}):")
            call_command(command, stdout=self.stdout, stderr=self.stderr)
        else:
            self.stdout.write(self.style.WARNING(f"No {command} command is installed: the {what} was not set up."))

    @transaction.atomic
    def _ensure_accounts(self) -> None:
        stored_path = Path(settings.VAR_DIR) / CREDENTIALS_FILE
        stored: dict[str, str] = json.loads(stored_path.read_text()) if stored_path.exists() else {}
        generated = False
        lines = []
        for account in ACCOUNTS:
            explicit = os.environ.get(account.env_variable)
            password = explicit or stored.get(account.username)
            if password is None:
                if not settings.DEBUG:
                    lines.append(f"  {account.username}: not created (set {account.env_variable} outside DEBUG)")
                    continue
                password = stored[account.username] = secrets.token_urlsafe(12)
                generated = True
            elif explicit:
                try:
                    validate_password(explicit)
                except ValidationError as exc:
                    raise CommandError(f"{account.env_variable} is too weak: {' '.join(exc.messages)}") from exc
            lines.append(self._ensure_account(account, password=password, reset_password=bool(explicit)))
        if generated:
            stored_path.parent.mkdir(parents=True, exist_ok=True)
            # Readable by the owner only, from the moment it exists.
            with os.fdopen(os.open(stored_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
                json.dump(stored, file, indent=2)
        self.stdout.write("Accounts (an API token goes in the header `Authorization: Token <token>`):")
        for line in lines:
            self.stdout.write(line)

    def _ensure_account(self, account: Account, *, password: str, reset_password: bool) -> str:
        user, created = get_user_model().objects.get_or_create(
            username=account.username,
            defaults={
                "email": f"{account.username}@localhost",
                "is_staff": account.staff,
                "is_superuser": account.staff,
            },
        )
        if created or (reset_password and not user.check_password(password)):
            user.set_password(password)
        if account.staff and not (user.is_staff and user.is_superuser and user.is_active):
            user.is_staff = user.is_superuser = user.is_active = True
        user.save()
        role = "staff superuser" if account.staff else "user"
        if not user.check_password(password):
            return f"  {account.username} ({role}): exists; its password was changed since and is not shown"
        token, _ = Token.objects.get_or_create(user=user)
        return f"  {account.username} ({role}): password {password}  API token {token.key}  {_signs_in_at(account)}"
