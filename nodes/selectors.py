"""Reads of node_templates. A user sees the system templates and their own custom ones, never another user's."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from .models import NodeTemplate
from .querysets import NodeTemplateQuerySet


def node_template_list(user) -> NodeTemplateQuerySet:
    """Every alive template `user` may use: the system library and their own custom templates."""
    return NodeTemplate.objects.visible_to(user)


def node_template_get(user, template_id: str) -> NodeTemplate:
    """One template `user` may read; 404 for a deleted one or another user's custom template."""
    return get_object_or_404(node_template_list(user), pk=template_id)
