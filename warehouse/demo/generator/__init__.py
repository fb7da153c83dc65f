"""Modules of the synthetic extract generator (see `warehouse.demo.generate`)."""
