from django.urls import path

from xiaobao.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("coming/<slug:module>/", views.coming, name="coming"),
]
