"""plotly.js's cartesian partial bundle in place of the full one (dashboard.plotly_bundle).

The figures draw only trace types the partial bundle registers; the bundle is served on
the URL Dash's graph component loads plotly.js from, and only when it is the release
plotly.py carries. Whether pages draw with it is the browser tests' part (every page,
no console errors); `make install` puts it in place.
"""

from __future__ import annotations

import re
from pathlib import Path

import dash
import flask
import pytest

from dashboard import plotly_bundle
from dashboard.plotly_bundle import (
    CARTESIAN_TRACES,
    INSTALLED_BUNDLE,
    PLOTLY_URL,
    bundle_version,
    install_cartesian_bundle,
    plotly_js_version,
)

FIGURES = Path(plotly_bundle.__file__).with_name("figures.py")


def _fake_bundle(path: Path, version: str) -> Path:
    path.write_text(
        f"/**\n* plotly.js (cartesian - minified) v{version}\n*/\nwindow.pulseBundle = 1;\n"
    )
    return path


def _dash_server() -> flask.Flask:
    """A bare Dash app on its own Flask server, serving its scripts locally like ours."""
    app = dash.Dash(__name__, server=flask.Flask(__name__), serve_locally=True)
    app.layout = dash.html.Div("charts")
    return app.server


def test_every_trace_the_figures_draw_is_in_the_cartesian_bundle() -> None:
    # every trace is made by figures._t(kind, ...): its kinds are the ones drawn
    kinds = set(re.findall(r'_t\(\s*"(\w+)"', FIGURES.read_text()))
    assert kinds, "no trace found: figures.py no longer makes traces through _t"
    assert kinds <= CARTESIAN_TRACES, kinds - CARTESIAN_TRACES


def test_the_cartesian_bundle_answers_on_dashs_plotly_url(tmp_path: Path) -> None:
    server = _dash_server()
    bundle = _fake_bundle(tmp_path / "plotly-cartesian.min.js", plotly_js_version())
    assert install_cartesian_bundle(server, bundle)
    client = server.test_client()
    assert client.get("/").status_code == 200  # Dash's own setup on its first request
    answer = client.get(PLOTLY_URL)
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == bundle.read_text()
    assert answer.mimetype == "text/javascript"
    again = client.get(PLOTLY_URL, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_a_bundle_of_another_release_is_not_served(tmp_path: Path) -> None:
    """A partial bundle of another plotly.js release could draw the same figure
    differently: Dash's full bundle of plotly.py's release is served instead."""
    server = _dash_server()
    other = _fake_bundle(tmp_path / "plotly-cartesian.min.js", "0.0.1")
    assert not install_cartesian_bundle(server, other)
    assert not install_cartesian_bundle(server, tmp_path / "missing.js")
    client = server.test_client()
    assert client.get("/").status_code == 200
    answer = client.get(PLOTLY_URL)
    assert answer.status_code == 200
    assert f"plotly.js v{plotly_js_version()}" in answer.get_data(as_text=True)[:300]


def test_make_install_put_the_bundle_of_plotly_pys_release_in_place() -> None:
    if not INSTALLED_BUNDLE.exists():
        pytest.skip("npm could not fetch the cartesian bundle here: the full one is served")
    assert bundle_version(INSTALLED_BUNDLE) == plotly_js_version()
