"""提案统计 pages, mounted at /proposals/figures/ (before the proposals URLs)."""

from django.urls import path

from lvzhi.proposals import views_figures

app_name = "proposal_figures"
urlpatterns = [
    path("", views_figures.figures_page, name="page"),
    path("export/", views_figures.figures_export, name="export"),
    path("compilation/", views_figures.compilation, name="compilation"),
]
