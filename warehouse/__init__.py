"""Support Pulse warehouse: synthetic extracts, validated loading, dbt build and publish."""
