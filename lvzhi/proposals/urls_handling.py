"""The handling unit's pages: /handling/ (the inbox) and /handling/<assignment id>/."""

from __future__ import annotations

from django.urls import path

from lvzhi.proposals import views_handling as views

app_name = "handling"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.assignment_detail, name="assignment"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/object/", views.object_assignment, name="object"),
    path("<int:pk>/face-to-face/", views.face_to_face, name="face_to_face"),
    path("<int:pk>/opinion/", views.assist_opinion, name="opinion"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/extension/", views.extension, name="extension"),
    path("<int:pk>/letters/<int:reply_id>/", views.letter, name="letter"),
]
