from django.urls import path

from . import views, views_registered

app_name = "intake"

urlpatterns = [
    path("ny/", views.new_request, name="new"),
    path("registrera/", views_registered.register, name="register"),
    path("lagrum/", views.basis_panel, name="basis"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/bilaga/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<uuid:public_id>/bilaga/<int:attachment_id>/visa/", views.attachment, {"inline": True},
         name="attachment_view"),
    path("<uuid:public_id>/komplettera/", views.complete, name="complete"),
    path("<uuid:public_id>/kvittera/", views.acknowledge, name="acknowledge"),
    path("<uuid:public_id>/aterkalla/", views.withdraw, name="withdraw"),
]
