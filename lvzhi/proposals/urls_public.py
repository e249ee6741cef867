"""/public/: published proposals and their approved replies, without login."""

from __future__ import annotations

from django.urls import path

from lvzhi.proposals import views_public as views

app_name = "public"
urlpatterns = [
    path("", views.public_list, name="list"),
    path("proposals/<int:pk>/", views.public_detail, name="detail"),
]
