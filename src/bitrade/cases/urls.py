from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("inkorg/", views.inbox_fragment, name="inbox"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/<slug:action>/", views.act, name="act"),
]
