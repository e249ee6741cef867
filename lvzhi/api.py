"""The JSON API under /api/v1/ (Django Ninja). Session auth for pages, bearer tokens for
scripts; every endpoint uses the same actions and scoping as the pages."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="履职平台 API", version="1", urls_namespace="api")
