from django.urls import path

from xiaobao.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.register, name="register"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/classify/", views.classify, name="classify"),
    path("<int:pk>/extend/", views.extend, name="extend"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/response/", views.respond, name="respond"),
    path("<int:pk>/reexamine/", views.reexamine, name="reexamine"),
    path("<int:pk>/revisit/", views.revisit, name="revisit"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/files/<int:attachment_pk>/", views.download, name="download"),
]

# 批量导入 (xiaobao/complaints/import_views.py), appended here so the page views stay in their own module.
from xiaobao.complaints import import_views  # noqa: E402

urlpatterns += [
    path("import/", import_views.upload, name="import"),
    path("import/template.xlsx", import_views.template, name="import-template"),
    path("import/<int:pk>/", import_views.status, name="import-status"),
    path("import/<int:pk>/report/", import_views.report, name="import-report"),
]

# Statistics: the overview (KPIs and charts), the tables and their regulator-style workbook.
from xiaobao.complaints import stats_views  # noqa: E402

urlpatterns += [
    path("overview/", stats_views.overview, name="overview"),
    path("statistics/", stats_views.statistics, name="statistics"),
    path("statistics/export.xlsx", stats_views.export, name="export"),
]
