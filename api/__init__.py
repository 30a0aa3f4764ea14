"""Thin, versioned HTTP service over matcher and scheduler: :func:`api.app.create_app`.

Start it with ``make serve`` (uvicorn on 127.0.0.1:8000); OpenAPI at ``/docs``.
"""
