from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The app's home page (a placeholder until the PWA lands)."""
    return render(request, "frontend/home.html")
