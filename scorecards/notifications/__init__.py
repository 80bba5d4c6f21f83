"""Notifications: telling teams what changed and what is due (docs/architecture.md §2).

events.py, routing.py and messages.py are pure (what happened, who wants it, where it
goes, what the message says); inputs.py reads what the events need from the store,
delivery.py sends (HTTP, SMTP), and dispatch.py runs it all after a run, reading and
writing the store's notification log.
"""
