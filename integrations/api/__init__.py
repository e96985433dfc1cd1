"""The portal's read API (`/api/v1/`): Django REST framework, authenticated by portal tokens only.

docs/api.md is the integrator's guide; the OpenAPI schema is served at `/api/v1/schema/`.
"""
