"""助推统计 pages, mounted at /assistance/figures/ (before the assistance URLs)."""

from __future__ import annotations

from django.urls import path

from lvzhi.assistance import views_figures

app_name = "assistance_figures"
urlpatterns = [
    path("", views_figures.figures_page, name="page"),
    path("candidates/", views_figures.candidates, name="candidates"),
    path("drill/<slug:key>/", views_figures.drill, name="drill"),
    path("drill/<slug:key>/export/", views_figures.drill_export, name="drill_export"),
    path("export/", views_figures.figures_export, name="export"),
    path("bulletin/", views_figures.bulletin, name="bulletin"),
    path("members/<int:person_id>/", views_figures.member_page, name="member"),
    path("households/<int:household_id>/", views_figures.household_page, name="household"),
    path("showcase/", views_figures.showcase, name="showcase"),
    path("showcase/<int:pk>/edit/", views_figures.showcase_edit, name="showcase_edit"),
    path("showcase/<int:pk>/delete/", views_figures.showcase_delete, name="showcase_delete"),
]
