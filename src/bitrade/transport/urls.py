from django.urls import path

from . import views

app_name = "transport"

urlpatterns = [
    path("<uuid:public_id>/transport/nte/", views.order, name="order"),
    path("<uuid:public_id>/transport/polis/", views.plan, name="plan"),
    path("<uuid:public_id>/transport/<int:order_id>/genomford/", views.complete, name="complete"),
    path("<uuid:public_id>/transport/<int:order_id>/avbestall/", views.cancel, name="cancel"),
    path("transportuppdrag/lista/", views.nte_orders_fragment, name="nte_list"),
    path("transportuppdrag/<uuid:order_id>/svar/", views.nte_respond, name="nte_respond"),
    path("transport/dagsplan/", views.daily_plan, name="daily_plan"),
]
