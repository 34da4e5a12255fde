from django.urls import path

from xiaobao.workflow import views

app_name = "workflow"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/claim/", views.claim, name="claim"),
    path("tasks/<int:pk>/release/", views.release, name="release"),
    path("tasks/<int:pk>/complete/", views.complete, name="complete"),
    path("tasks/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("tasks/<int:pk>/delegate/", views.delegate, name="delegate"),
    path("definitions/", views.definitions, name="definitions"),
    path("definitions/upload/", views.upload_definition, name="upload"),
    path("instances/<int:pk>/", views.instance_detail, name="instance"),
    path("instances/<int:pk>/diagram.bpmn", views.instance_diagram, name="instance-diagram"),
]
