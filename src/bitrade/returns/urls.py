from django.urls import path

from . import views

app_name = "returns"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("efterlysningar/", views.notices, name="notices"),
    path("efterlysningar/<uuid:public_id>/", views.found, name="found"),
    path("transporter/", views.kv_orders, name="kv_orders"),
]
