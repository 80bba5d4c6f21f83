"""The native API (/api/v1): entities and explanations, facts, runs, gate, what-if, reports, definitions."""
