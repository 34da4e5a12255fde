from xiaobao.web.navigation import items_for


def shell(request):
    """What every page's frame needs: navigation and care mode."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"care_mode": False, "nav_items": []}
    from xiaobao.core.selectors import unread_notification_count

    care = bool(user.care_mode)
    return {
        "care_mode": care,
        "nav_items": items_for(user, care_mode=care),
        "unread_notifications": unread_notification_count(user),
    }
