"""The workspace's setup block again: its "Fix" links encoded the server's already encoded routes a second time,
so a company named with a space or an accent opened "Page not found"."""

from relance_app.setup.checklist import ensure_setup_block


def execute():
	ensure_setup_block()
