from __future__ import annotations

from django.urls import path

from lvzhi.assistance import views

app_name = "assistance"
urlpatterns = [
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
]
