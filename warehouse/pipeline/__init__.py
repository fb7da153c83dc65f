"""The pipeline: validate and land extracts (`load`), run dbt and publish (`build`),
and both in turn (`refresh`), taking turns on one lock."""
