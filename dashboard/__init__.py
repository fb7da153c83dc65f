"""Support Pulse dashboard: a read-only Dash app over the published warehouse."""
