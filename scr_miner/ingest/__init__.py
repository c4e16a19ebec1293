"""Ingest: PDF files in, ``Review`` records out. Touches no database."""

from scr_miner.ingest.review import review_from_pdf

__all__ = ["review_from_pdf"]
