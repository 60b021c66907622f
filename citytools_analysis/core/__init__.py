"""Foundations every layer reads: project paths, the reference data, the input error."""
