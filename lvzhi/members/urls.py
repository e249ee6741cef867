from django.urls import path

from lvzhi.members import views, views_import

app_name = "members"
urlpatterns = [
    path("", views.member_list_view, name="list"),
    path("export/", views.member_export, name="export"),
    path("new/", views.member_create, name="create"),
    path("import/", views_import.member_import, name="import"),
    path("import/template/", views_import.member_template, name="import_template"),
    path("mine/", views.mine, name="mine"),
    path("figures/", views.figures, name="figures"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
]
