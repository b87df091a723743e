"""The regulator's registry: a web service over inspections, certificates, periodic inspection,
rectification, complaints and breach notices (FastAPI routers -> services -> SQLAlchemy models)."""
