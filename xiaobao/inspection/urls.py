from django.urls import path

from xiaobao.inspection import views, views_admin, views_outbound

app_name = "inspection"
urlpatterns = [
    path("", views.workbench, name="list"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("findings/<int:pk>/confirm/", views.finding_confirm, name="confirm"),
    path("findings/<int:pk>/dismiss/", views.finding_dismiss, name="dismiss"),
    path("findings/<int:pk>/escalate/", views.finding_escalate, name="escalate"),
    path("findings/<int:pk>/contest/", views.finding_contest, name="contest"),
    path("interactions/", views.interaction_list, name="interactions"),
    path("interactions/<int:pk>/", views.interaction_detail, name="interaction"),
    path("interactions/<int:pk>/reveal/", views.interaction_reveal, name="interaction-reveal"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export.xlsx", views.statistics_export, name="statistics-export"),
    path("intake/", views_admin.intake, name="intake"),
    path("intake/<int:pk>/", views_admin.batch_detail, name="batch"),
    path("rules/", views_admin.rule_list, name="rules"),
    path("rules/new/", views_admin.rule_create, name="rule-create"),
    path("rules/<int:pk>/", views_admin.rule_detail, name="rule"),
    path("rules/<int:pk>/publish/<int:version>/", views_admin.rule_publish, name="rule-publish"),
    path("jobs/", views_admin.job_list, name="jobs"),
    path("jobs/<int:pk>/", views_admin.job_detail, name="job"),
    path("samples/", views_admin.sample_list, name="samples"),
    path("samples/<int:pk>/", views_admin.sample_detail, name="sample"),
    path("outbound/", views_outbound.outbound_home, name="outbound"),
    path("outbound/list/", views_outbound.outbound_list, name="outbound-list"),
    path("outbound/results/", views_outbound.outbound_results, name="outbound-results"),
    path("outbound/policies/", views_outbound.outbound_policy_add, name="outbound-policy-add"),
    path("outbound/policies/import/", views_outbound.outbound_policy_import, name="outbound-policy-import"),
    path("outbound/batches/<int:pk>/", views_outbound.outbound_batch, name="outbound-batch"),
]
