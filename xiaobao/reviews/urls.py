from django.urls import path

from xiaobao.reviews import detail_views, stats_views, views

app_name = "reviews"
urlpatterns = [
    path("", views.review_list, name="list"),
    path("new/", views.choose_type, name="new"),
    path("new/<slug:code>/", views.submit, name="submit"),
    path("objections/", views.objection_list, name="objections"),
    path("<int:pk>/", detail_views.detail, name="detail"),
    path("<int:pk>/assign/", detail_views.assign, name="assign"),
    path("<int:pk>/return/", detail_views.return_review, name="return"),
    path("<int:pk>/resubmit/", detail_views.resubmit, name="resubmit"),
    path("<int:pk>/withdraw/", detail_views.withdraw, name="withdraw"),
    path("<int:pk>/checklist/", detail_views.checklist, name="checklist"),
    path("<int:pk>/opinions/", detail_views.opinion_add, name="opinion-add"),
    path("<int:pk>/opinions/<int:opinion_pk>/", detail_views.opinion_update, name="opinion-update"),
    path("<int:pk>/opinions/<int:opinion_pk>/delete/", detail_views.opinion_delete, name="opinion-delete"),
    path("<int:pk>/issue/", detail_views.issue, name="issue"),
    path("<int:pk>/respond/", detail_views.respond, name="respond"),
    path("<int:pk>/verification/", detail_views.refresh_verification, name="refresh-verification"),
    path("<int:pk>/objections/<int:objection_pk>/rereview/", detail_views.rereview, name="rereview"),
    path("<int:pk>/objections/<int:objection_pk>/committee/", detail_views.committee, name="committee"),
    path("<int:pk>/files/<int:attachment_pk>/", views.download, name="download"),
    path("<int:pk>/files/<int:attachment_pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/files/<int:attachment_pk>/preview/pages/<int:number>/", views.preview_page, name="preview-page"),
    # 审查统计: the annual report's figures and their Excel export
    path("statistics/", stats_views.statistics, name="statistics"),
    path("statistics/export.xlsx", stats_views.export, name="export"),
]
