"""Importers: turn a helpdesk's own export into batches of the extract contract.

They only write files into the raw directory; `pulse load` validates, lands and
reconciles those files like any other extract. This package imports `warehouse.core`
only, never the pipeline, the demo data or the dashboard.
"""
