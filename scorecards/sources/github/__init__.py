"""GitHub: repository facts (repositories.py) and organisation listings (organisations.py)."""
