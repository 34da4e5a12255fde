from django.urls import path

from xiaobao.workorders import views

app_name = "workorders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.issue, name="issue"),
    path("board/", views.board, name="board"),
    path("export.xlsx", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/refuse/", views.refuse, name="refuse"),
    path("<int:pk>/refusal/", views.resolve_refusal, name="resolve-refusal"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/files/<int:attachment_pk>/", views.download, name="download"),
]
