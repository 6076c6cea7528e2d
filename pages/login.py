"""Logged out: every portal address runs this empty page; app.py renders the login form around it."""
