"""The dashboard at `/` of `scorecards serve`, and the self-contained HTML reports.

Server-rendered HTML (Jinja2 templates packaged beside this file, autoescaped)
with charts as inline SVG (`charts.py`); no script, no external asset, no
build step. `routes.py` is the only part that reads the store; the page data
comes from pure functions (`overview.py`, `entity_pages.py`, the reports).
"""
