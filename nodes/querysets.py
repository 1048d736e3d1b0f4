"""Named query pieces for node_templates, one per "Common Query" of the table spec."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from strategy_builder.models import SoftDeleteQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser


class NodeTemplateQuerySet(SoftDeleteQuerySet):
    def system(self) -> NodeTemplateQuerySet:
        return self.filter(is_system_template=True)

    def custom(self) -> NodeTemplateQuerySet:
        return self.filter(is_system_template=False)

    def of_type(self, node_type: str) -> NodeTemplateQuerySet:
        return self.filter(node_type=node_type)

    def in_category(self, category: str) -> NodeTemplateQuerySet:
        return self.filter(category=category)

    def visible_to(self, user: AbstractUser) -> NodeTemplateQuerySet:
        """System templates and `user`'s own custom ones: everything `user` may read."""
        return self.filter(Q(is_system_template=True) | Q(is_system_template=False, user_id=str(user.pk)))

    def most_popular(self) -> NodeTemplateQuerySet:
        """Alive templates, most used first (spec: WHERE is_deleted = FALSE ORDER BY usage_count DESC)."""
        return self.alive().order_by("-usage_count", "name")
