from django.urls import path

from xiaobao.core import calendar_views, views

app_name = "core"
urlpatterns = [
    path("preferences/care-mode/", views.set_care_mode, name="care-mode"),
    path("preferences/language/", views.set_language, name="language"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("calendar/notice/", calendar_views.holiday_notice_page, name="holiday-notice"),
]
