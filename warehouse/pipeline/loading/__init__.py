"""Building blocks of `pulse load` (see `warehouse.pipeline.load` for the orchestration).

- `readers`: find batch files, tell their format and encoding, read them all-text into
  a staging table with line numbers (whole-file problems raise `FileRefused`).
- `validation`: one set-based SQL pass that types every contract column and gives each
  row a reject reason (or none).
- `upsert`: keeps one row per key in `raw.<entity>` (latest version, else latest batch).
"""
