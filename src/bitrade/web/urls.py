from django.contrib.auth import views as auth_views
from django.urls import path

from . import administration, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("logga-in/", views.LoginView.as_view(), name="login"),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("roll/", views.capacity_switch, name="capacity"),
    path("granskning/", administration.audit_log, name="audit"),
    path("administration/styrregler/", administration.routing_rules, name="routing_rules"),
    path("administration/styrregler/ny/", administration.routing_rule_edit, name="routing_rule_new"),
    path("administration/styrregler/<int:pk>/", administration.routing_rule_edit, name="routing_rule_edit"),
    path("administration/api-nycklar/", administration.api_keys, name="api_keys"),
    path("administration/api-nycklar/<int:pk>/aterkalla/", administration.api_key_revoke, name="api_key_revoke"),
]
