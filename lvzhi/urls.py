from pathlib import Path

from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.static import serve

from lvzhi.accounts import views as account_views
from lvzhi.api import api

# Pages name their icon (base.html, a static file served by WhiteNoise); downloads, the JSON
# API and old browsers still ask for /favicon.ico, which answers with the same icon.
FAVICON = {"path": "favicon.ico", "document_root": Path(__file__).resolve().parent / "static" / "lvzhi"}

urlpatterns = [
    path("", account_views.home, name="home"),
    path("favicon.ico", cache_control(public=True, max_age=7 * 86400)(serve), FAVICON, name="favicon"),
    path("accounts/", include("lvzhi.accounts.urls")),
    path("organisations/", include("lvzhi.organisations.urls")),
    path("members/", include("lvzhi.members.urls")),
    path("audit/", include("lvzhi.audit.urls")),
    path("proposals/figures/", include("lvzhi.proposals.urls_figures")),
    path("proposals/", include("lvzhi.proposals.urls")),
    path("handling/", include("lvzhi.proposals.urls_handling")),
    path("public/", include("lvzhi.proposals.urls_public")),
    path("assistance/figures/", include("lvzhi.assistance.urls_figures")),
    path("assistance/sites/", include("lvzhi.assistance.urls_sites")),
    path("assistance/needs/", include("lvzhi.assistance.urls_needs")),
    path("assistance/", include("lvzhi.assistance.urls")),
    path("households/", include("lvzhi.households.urls")),
    path("notifications/", include("lvzhi.notifications.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = "lvzhi.core.views.not_found"
handler403 = "lvzhi.core.views.forbidden"
