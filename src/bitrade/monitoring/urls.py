from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.console, name="console"),
    path("larm/", views.console_fragment, name="alarms"),
    path("strom/", views.console_stream, name="stream"),
    path("larm/<int:pk>/kvittera/", views.alarm_acknowledge, name="acknowledge"),
    path("larm/<int:pk>/avsluta/", views.alarm_close, name="close"),
    path("larm/<int:pk>/omklassa/", views.alarm_reclassify, name="reclassify"),
    path("larm/<int:pk>/informerad/", views.alarm_inform, name="inform"),
    path("oversikt/", views.overview, name="overview"),
    path("nytt-arende/", views.new_case, name="new_case"),
]
