from __future__ import annotations

from django.urls import path

from lvzhi.proposals import views, views_settings

app_name = "proposals"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("office/", views.inbox, name="inbox"),
    path("settings/", views_settings.proposal_settings, name="settings"),
    path("list/", views.list_view, name="list"),
    path("export/", views.export, name="export"),
    path("new/", views.new, name="new"),
    path("similar/", views.similar, name="similar"),
    path("letters/<int:pk>/", views.reply_letter, name="letter"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/print/", views.print_view, name="print"),
    path("<int:pk>/cosigners/", views.cosigner_search, name="cosigners"),
    path("<int:pk>/merge-targets/", views.merge_targets, name="merge_targets"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
]
