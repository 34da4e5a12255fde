"""Default roles as data (fixtures/roles.json), kept in step with the permissions that exist.

Run after every migrate so roles pick up the permissions of apps added later. Idempotent;
never removes a permission an admin granted.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path

from django.contrib.auth.models import Group, Permission

ROLES_FILE = Path(__file__).parent / "fixtures" / "roles.json"


def load_definitions() -> list[dict]:
    return json.loads(ROLES_FILE.read_text(encoding="utf-8"))["roles"]


def matching_permissions(patterns: list[str], all_perms: list[tuple[int, str]]) -> set[int]:
    """Permission ids matched by `patterns`; a leading "!" excludes what it matches."""
    include = [p for p in patterns if not p.startswith("!")]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    return {
        pk
        for pk, name in all_perms
        if any(fnmatchcase(name, p) for p in include) and not any(fnmatchcase(name, p) for p in exclude)
    }


def sync_roles(**kwargs) -> None:
    from xiaobao.core.models import Role

    all_perms = [
        (pk, f"{app}.{codename}")
        for pk, app, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    ]
    for definition in load_definitions():
        group, _ = Group.objects.get_or_create(name=definition["name"])
        Role.objects.update_or_create(
            code=definition["code"],
            defaults={
                "group": group,
                "name": definition["name"],
                "scope": definition["scope"],
                "read_only": definition["read_only"],
                "description": definition.get("name_en", ""),
            },
        )
        wanted = matching_permissions(definition["permissions"], all_perms)
        have = set(group.permissions.values_list("pk", flat=True))
        if wanted - have:
            group.permissions.add(*(wanted - have))


def role_group(code: str) -> Group:
    from xiaobao.core.models import Role

    return Role.objects.select_related("group").get(code=code).group
