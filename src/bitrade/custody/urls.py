from django.urls import path

from . import views

app_name = "custody"

urlpatterns = [
    path("<uuid:public_id>/frihetsberovande/", views.start, name="start"),
    path("<uuid:public_id>/frihetsberovande/<int:episode_id>/protokoll.pdf", views.protocol_pdf, name="pdf"),
    path("<uuid:public_id>/frihetsberovande/<int:episode_id>/<slug:action>/", views.episode_action, name="act"),
]
