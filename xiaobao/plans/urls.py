from django.urls import path

from xiaobao.plans import activity_views, report_views, views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/issue/", views.issue, name="issue"),
    path("<int:pk>/summarize/", views.summarize, name="summarize"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/goals/", views.goal_add, name="goal-add"),
    path("<int:pk>/goals/<int:goal_pk>/delete/", views.goal_remove, name="goal-remove"),
    path("<int:pk>/tasks/", views.task_add, name="task-add"),
    path("<int:pk>/tasks/<int:task_pk>/", views.task_edit, name="task-edit"),
    path("<int:pk>/tasks/<int:task_pk>/delete/", views.task_remove, name="task-remove"),
    path("<int:pk>/files/<int:attachment_pk>/", views.download, name="download"),
    path("<int:pk>/board/", report_views.board, name="board"),
    path("<int:pk>/timeline/", report_views.timeline, name="timeline"),
    path("activities/", activity_views.activity_list, name="activities"),
    path("activities/new/", activity_views.activity_new, name="activity-new"),
    path("activities/import/", activity_views.activity_import, name="activity-import"),
    path("activities/import/template.xlsx", activity_views.import_template, name="activity-import-template"),
    path("activities/<int:pk>/", activity_views.activity_detail, name="activity"),
    path("activities/<int:pk>/edit/", activity_views.activity_edit, name="activity-edit"),
    path("activities/<int:pk>/delete/", activity_views.activity_delete, name="activity-delete"),
    path("activities/<int:pk>/photos/<int:attachment_pk>/", activity_views.photo, name="activity-photo"),
    path("report/", report_views.report, name="report"),
    path("report.xlsx", report_views.report_xlsx, name="report-xlsx"),
    path("report.docx", report_views.report_docx, name="report-docx"),
]
