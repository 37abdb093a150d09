"""Extractors: documents, sections, figures, activities and audit findings, one module and record type each."""
