"""Oversight pages: dashboards, certification, filing, subsidies, the public notice board."""

urlpatterns: list = []
