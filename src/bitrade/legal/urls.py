from django.urls import path

from . import views

app_name = "legal"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("dokument/", views.documents_page, name="documents"),
    path("dokument/<slug:key>/", views.document_page, name="document"),
    path("dokument/<slug:key>/<str:address>/", views.unit_page, name="unit"),
    path("grunder/", views.guides_page, name="guides"),
    path("grunder/<str:key>/", views.guide_page, name="guide"),
    path("lagrum/<str:law>/<str:section>/", views.provision_page, name="provision"),
    path("jo/", views.notes_page, name="notes"),
    path("jo/<slug:key>/", views.note_page, name="note"),
]
