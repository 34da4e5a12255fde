from django.urls import path

from xiaobao.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("coming/<slug:module>/", views.coming, name="coming"),
    path("views/save/", views.saved_view_save, name="saved-view-save"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="saved-view-delete"),
]
