"""Sources: where entities and facts come from (the edge of the engine)."""
