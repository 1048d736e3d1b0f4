"""Who did something, as every table's created_by / updated_by records it."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser


def actor_name(user: AbstractBaseUser) -> str:
    """The user's username: readable in the admin and in a backup, and what every service writes to
    created_by / updated_by (owners are user ids, in user_id; actors are names)."""
    return user.get_username()
