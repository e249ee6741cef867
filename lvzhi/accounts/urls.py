from django.urls import path

from lvzhi.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password"),
    path("users/", views.users, name="users"),
    path("users/<int:pk>/toggle/", views.user_toggle, name="user_toggle"),
    path("roles/", views.roles, name="roles"),
    path("roles/<int:pk>/", views.role_edit, name="role_edit"),
]
