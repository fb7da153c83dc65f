"""Modules of the synthetic extract generator (see warehouse/generate.py)."""
