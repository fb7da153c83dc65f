"""Breach alerts (issue 17): `pulse alerts`, also run after each `pulse refresh` cycle.

`find` reads the published warehouse's marts read-only and says what is news now;
`messages` renders one alert for each kind of channel; `deliver` posts it with bounded
retries; `state` is the small ops DuckDB that remembers what was sent, so that no alert
goes out twice; `run` ties them together. The refresh loop never imports this package:
`warehouse.cli` hands `run.after_refresh` to it as a hook.
"""
