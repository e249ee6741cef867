"""The ledger, campaigns and pledges, mounted at assistance/ (namespace "assistance")."""

from __future__ import annotations

from django.urls import path

from lvzhi.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("review/", views.review, name="review"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("symposium/", views.symposium, name="symposium"),
    path("entries/new/", views.entry_new, name="entry_new"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("entries/<int:pk>/confirm/", views.entry_confirm, name="entry_confirm"),
    path("entries/<int:pk>/reject/", views.entry_reject, name="entry_reject"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("lookup/kinds/", views.kinds, name="kinds"),
    path("lookup/households/", views.households, name="households"),
    path("lookup/persons/", views.persons, name="persons"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/pledge/", views.pledge, name="pledge"),
    path("pledges/<int:pk>/withdraw/", views.pledge_withdraw, name="pledge_withdraw"),
]
