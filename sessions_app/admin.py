"""Staff view of builder sessions: find them by user, type, activity and expiry; end one, or free a
lock its holder left behind. Drafts are read-only here (the API is where drafts are edited, with their
version checks)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from strategy_builder.admin_users import UserNamesMixin

from .models import BuilderSession
from .services import session_expire, session_release_lock

# Shown as usernames: the owner, the collaborators and the lock's holder (all stored as user ids).
_SHOWN_AS_USERS = {"user_id": "owner", "collaborator_ids": "collaborators", "lock_info": "lock"}


@admin.register(BuilderSession)
class BuilderSessionAdmin(UserNamesMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "owner",
        "session_type",
        "is_active",
        "instance",
        "last_activity_at",
        "expires_at",
        "lock",
    )
    list_filter = ("session_type", "is_active", "last_activity_at", "expires_at", "is_deleted")
    search_fields = ("=id", "=user_id", "session_name", "=instance__id")
    date_hierarchy = "last_activity_at"
    ordering = ("-last_activity_at",)
    list_select_related = ("instance",)
    actions = ("expire_sessions", "release_locks")
    fields = [_SHOWN_AS_USERS.get(field.name, field.name) for field in BuilderSession._meta.fields]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[BuilderSession]:
        return BuilderSession.all_objects.select_related("instance")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def user_ids_of(self, obj: BuilderSession) -> list[str]:
        holder = (obj.lock_info or {}).get("holder")
        return [obj.user_id, *(obj.collaborator_ids or []), *([holder] if holder else [])]

    @admin.display(description="collaborators")
    def collaborators(self, obj: BuilderSession) -> str:
        return self.user_links(obj, obj.collaborator_ids or [])

    @admin.display(description="edit lock")
    def lock(self, obj: BuilderSession) -> str:
        if not obj.lock_info:
            return "—"
        return format_html("{} until {}", self.user_link(obj, obj.lock_info.get("holder")), obj.lock_info.get("until"))

    @admin.action(description="Expire the selected sessions now", permissions=["change"])
    def expire_sessions(self, request: HttpRequest, queryset: QuerySet[BuilderSession]) -> None:
        sessions = list(queryset.filter(is_active=True))
        for session in sessions:
            session_expire(session=session)
        self.message_user(request, f"Expired {len(sessions)} session(s).", messages.SUCCESS)

    @admin.action(description="Release the edit locks of the selected sessions", permissions=["change"])
    def release_locks(self, request: HttpRequest, queryset: QuerySet[BuilderSession]) -> None:
        released = sum(session_release_lock(session=session) for session in queryset)
        self.message_user(request, f"Released {released} lock(s).", messages.SUCCESS)
