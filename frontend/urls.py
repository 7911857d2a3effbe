from django.urls import path

from frontend import views

app_name = "frontend"
urlpatterns = [
    path("", views.app_shell, name="home"),
    path("serviceworker.js", views.service_worker, name="serviceworker"),
]
