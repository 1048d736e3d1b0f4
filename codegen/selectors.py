"""Reads of code_generations: a user only ever sees their own generations, never soft-deleted ones."""

from __future__ import annotations

import difflib
import re
import unicodedata

from django.http import Http404

from .models import CodeGeneration

MAX_FILENAME_STEM = 60


def code_generation_list(*, user):
    """The user's generations, newest first (ix_codegen_user_created)."""
    return CodeGeneration.objects.recent_for_user(user)


def code_generation_get(*, user, generation_id: str) -> CodeGeneration:
    """The user's generation `generation_id`; 404 for anyone else's or a deleted one."""
    try:
        return code_generation_list(user=user).select_related("instance").get(pk=generation_id)
    except CodeGeneration.DoesNotExist as exc:
        raise Http404(f"No code generation {generation_id!r}.") from exc


def code_generation_sibling(*, user, generation: CodeGeneration, sibling_id: str) -> CodeGeneration | None:
    """The user's generation `sibling_id` of the same strategy as `generation` (None if there is none)."""
    return CodeGeneration.objects.for_user_and_instance(user, generation.instance_id).filter(pk=sibling_id).first()


def code_generation_diff(*, generation: CodeGeneration, against: CodeGeneration) -> str:
    """A unified diff from `against` to `generation` (two generations of one strategy); "" when identical."""
    return "".join(
        difflib.unified_diff(
            against.generated_code.splitlines(keepends=True),
            generation.generated_code.splitlines(keepends=True),
            fromfile=f"{against.pk}.py",
            tofile=f"{generation.pk}.py",
        )
    )


def code_generation_filename(generation: CodeGeneration) -> str:
    """A safe file name for the download: the strategy's name as a Python module name, and the code's hash
    ("golden_cross_3fa2b1c0.py"); "strategy_<hash>.py" when the name has no usable characters."""
    ascii_name = unicodedata.normalize("NFKD", generation.instance.name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:MAX_FILENAME_STEM].rstrip("_")
    if not stem or stem[0].isdigit():
        stem = f"strategy_{stem}".rstrip("_")
    return f"{stem}_{generation.code_hash[:8]}.py"
