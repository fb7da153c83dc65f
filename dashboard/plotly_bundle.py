"""Serve plotly.js's "cartesian" partial bundle in place of the full one, when installed.

Every chart of the dashboard is a scatter, bar or heatmap trace (`dashboard.figures`).
plotly.js's full bundle is 4.8 MB of minified JavaScript that the browser evaluates on
every page load with a chart, warm cache or not; the cartesian bundle, the same release
with only the cartesian trace types, is 1.5 MB. `make install` fetches it from the npm
registry (`plotly.js-cartesian-dist-min`, the version plotly.py carries) into the
virtual environment; without it (no npm, no network) Dash serves the full bundle as it
always does.

Dash's graph component loads plotly.js from one unfingerprinted URL; a more specific
route on that URL answers with the partial bundle, so nothing in Dash is patched.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import flask

# The trace types the cartesian bundle registers (plotly.js lib/index-cartesian.js).
CARTESIAN_TRACES = frozenset(
    {
        "bar",
        "box",
        "contour",
        "heatmap",
        "histogram",
        "histogram2d",
        "histogram2dcontour",
        "image",
        "pie",
        "scatter",
        "scatterternary",
        "violin",
    }
)
# Where Dash's graph component fetches plotly.js from when scripts are served locally.
PLOTLY_URL = "/_dash-component-suites/plotly/package_data/plotly.min.js"
INSTALLED_BUNDLE = Path(sys.prefix) / "share" / "pulse" / "plotly-cartesian.min.js"
_HEADER = re.compile(r"plotly\.js \(cartesian - minified\) v(\S+)")


def bundle_version(path: Path) -> str | None:
    """The plotly.js version in a cartesian bundle's header, None if it is not one."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            head = handle.read(300)
    except OSError:
        return None
    found = _HEADER.search(head)
    return found.group(1) if found else None


def plotly_js_version() -> str:
    """The plotly.js release plotly.py carries (the full bundle Dash would serve)."""
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def install_cartesian_bundle(server: flask.Flask, path: Path = INSTALLED_BUNDLE) -> bool:
    """Answer plotly.js requests with the bundle at `path` when it is the cartesian
    bundle of plotly.py's own release (a bundle of another release could draw the
    figures differently); True when it does."""
    if bundle_version(path) != plotly_js_version():
        return False

    def cartesian_plotly() -> flask.Response:
        # conditional: the browser revalidates (304) as it does with Dash's own file
        return flask.send_file(path, mimetype="text/javascript", conditional=True, etag=True)

    server.add_url_rule(PLOTLY_URL, "pulse_cartesian_plotly", cartesian_plotly)
    return True
