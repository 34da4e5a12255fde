"""Knowledge centre pages. Reading (search, documents, FAQ ask page) in views.py, writing and versions in
editing_views.py, imports in import_views.py; each module lists its own ROUTES."""

from xiaobao.knowledge import editing_views, import_views, views

app_name = "knowledge"
urlpatterns = [*views.ROUTES, *editing_views.ROUTES, *import_views.ROUTES]
