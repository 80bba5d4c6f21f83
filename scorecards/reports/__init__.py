"""Reports over stored results: team rollups, campaigns, trends, catalog completeness.

Each report is a pure function over plain data (see `inputs.ReportInputs`) and the
time it is computed at, returning frozen dataclasses that the CLI, the API and the
dashboard render.
"""
