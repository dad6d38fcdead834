from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .api import api

admin.site.site_header = "Biträde – administration"
admin.site.site_title = "Biträde"
admin.site.index_title = "Organisation och inställningar"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("begaran/", include("bitrade.intake.urls")),
    path("arenden/", include("bitrade.custody.urls")),
    path("arenden/", include("bitrade.transport.urls")),
    path("arenden/", include("bitrade.cases.urls")),
    path("rattskallor/", include("bitrade.legal.urls")),
    path("larmkonsol/", include("bitrade.monitoring.urls")),
    path("uppfoljning/", include("bitrade.followup.urls")),
    path("", include("bitrade.web.urls")),
]
if settings.OIDC_ENABLED:
    urlpatterns.insert(0, path("oidc/", include("mozilla_django_oidc.urls")))

handler403 = "bitrade.web.views.permission_denied"
handler404 = "bitrade.web.views.not_found"
handler500 = "bitrade.web.views.server_error"
