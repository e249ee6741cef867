"""Needs and matching, mounted at assistance/needs/ (namespace "needs")."""

from __future__ import annotations

from django.urls import path

from lvzhi.assistance import views_needs as views

app_name = "needs"
urlpatterns = [
    path("", views.need_list, name="list"),
    path("export/", views.need_export, name="export"),
    path("new/", views.need_create, name="create"),
    path("match/", views.match_all_view, name="match_all"),
    path("mine/", views.my_needs, name="mine"),
    path("<int:pk>/", views.need_detail, name="detail"),
    path("<int:pk>/edit/", views.need_edit, name="edit"),
    path("<int:pk>/assign/", views.need_assign, name="assign"),
    path("<int:pk>/met/", views.need_met, name="met"),
    path("<int:pk>/close/", views.need_close, name="close"),
    path("<int:pk>/reopen/", views.need_reopen, name="reopen"),
]
