"""Classify: texts in, ``Label``s out (themes, scores, agencies, pairs, evidence). Knows no PDFs."""
