"""Endpoints vendors call: webhooks (`/hooks/<vendor>/<slug>/`). The logic is in services.webhooks."""
