"""Publish: full-text index, embeddings, views and provenance, ready for Datasette."""
