"""Dash pages: one module per page, each with `dash.register_page` and `layout(**query)`."""
