from django.urls import path

from . import views

app_name = "followup"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("definitioner/", views.definitions, name="definitions"),
    path("jamforelse/", views.comparison, name="comparison"),
    path("avvikelser/", views.deviations, name="deviations"),
    path("atervandande/", views.returns, name="returns"),
    path("export/<slug:key>.<str:fmt>", views.export, name="export"),
]
