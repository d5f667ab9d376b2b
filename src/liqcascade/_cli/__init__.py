"""Command modules of the ``liqcascade`` CLI; each exposes ``register(app)``."""
