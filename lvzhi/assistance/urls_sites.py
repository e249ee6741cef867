"""助推示范点 pages, mounted at /assistance/sites/ (before the assistance URLs)."""

from __future__ import annotations

from django.urls import path

from lvzhi.assistance import views_sites

app_name = "sites"
urlpatterns = [
    path("", views_sites.site_list, name="list"),
    path("new/", views_sites.site_create, name="create"),
    path("<int:pk>/", views_sites.site_detail, name="detail"),
    path("<int:pk>/projects/new/", views_sites.project_form, name="project_create"),
    path("<int:pk>/projects/<int:project_id>/", views_sites.project_form, name="project_edit"),
]
