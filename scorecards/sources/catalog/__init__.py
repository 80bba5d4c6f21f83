"""The catalog: entities from Backstage or from files, and the facts the catalog itself gives (owners, groups, dependents)."""
