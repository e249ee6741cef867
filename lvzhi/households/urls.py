from django.urls import path

from lvzhi.households import views

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("export/", views.household_export, name="export"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/pair/", views.household_pair, name="pair"),
    path("completeness/", views.completeness, name="completeness"),
    path("completeness/export/", views.completeness_export, name="completeness_export"),
    path("import/", views.import_page, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.job_page, name="job"),
    path("import/<int:pk>/valid-only/", views.job_valid_only, name="job_valid_only"),
    path("import/<int:pk>/errors/", views.job_errors, name="job_errors"),
]
