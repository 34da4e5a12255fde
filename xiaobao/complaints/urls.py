from django.urls import path

from xiaobao.complaints import clock_views, detail_views, import_views, stats_views, views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.register, name="register"),
    path("<int:pk>/", detail_views.detail, name="detail"),
    path("<int:pk>/reveal/", detail_views.reveal, name="reveal"),
    path("<int:pk>/accept/", detail_views.accept, name="accept"),
    path("<int:pk>/assign/", detail_views.assign, name="assign"),
    path("<int:pk>/classify/", detail_views.classify, name="classify"),
    path("<int:pk>/extend/", detail_views.extend, name="extend"),
    path("<int:pk>/decide/", detail_views.decide, name="decide"),
    path("<int:pk>/response/", detail_views.respond, name="respond"),
    path("<int:pk>/reexamine/", detail_views.reexamine, name="reexamine"),
    path("<int:pk>/revisit/", detail_views.revisit, name="revisit"),
    path("<int:pk>/close/", detail_views.close, name="close"),
    path("<int:pk>/withdraw/", detail_views.withdraw, name="withdraw"),
    path("<int:pk>/files/<int:attachment_pk>/", detail_views.download, name="download"),
    # The clock (第十八条, 第二十三条) and 重大 designation (第二十九条).
    path("<int:pk>/clock/stop/", clock_views.clock_stop, name="clock-stop"),
    path("<int:pk>/clock/resume/", clock_views.clock_resume, name="clock-resume"),
    path("<int:pk>/clock/new-facts/", clock_views.new_facts, name="new-facts"),
    path("<int:pk>/decline/", clock_views.decline, name="decline"),
    path("<int:pk>/designate-major/", clock_views.designate_major, name="designate-major"),
    # 批量导入
    path("import/", import_views.upload, name="import"),
    path("import/template.xlsx", import_views.template, name="import-template"),
    path("import/<int:pk>/", import_views.status, name="import-status"),
    path("import/<int:pk>/report/", import_views.report, name="import-report"),
    # Statistics: the overview (KPIs and charts), the tables and their regulator-style workbook.
    path("overview/", stats_views.overview, name="overview"),
    path("statistics/", stats_views.statistics, name="statistics"),
    path("statistics/export.xlsx", stats_views.export, name="export"),
]
