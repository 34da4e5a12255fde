"""/indicators/: the cockpit and drill-down, definitions, value entry and import, targets, alerts, reports."""

from django.urls import path

from xiaobao.indicators import dashboard_views, report_views, value_views

app_name = "indicators"
urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("indicator/<str:code>/", dashboard_views.detail, name="detail"),
    path("definitions/", value_views.definition_list, name="list"),
    path("values/", value_views.values, name="values"),
    path("values/import/", value_views.values_import, name="values-import"),
    path("values/template.xlsx", value_views.values_template, name="values-template"),
    path("targets/", value_views.targets, name="targets"),
    path("alerts/", value_views.alert_list, name="alerts"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/<int:pk>/", report_views.report_status, name="report-status"),
    path("reports/<int:pk>/download/", report_views.report_download, name="report-download"),
]
