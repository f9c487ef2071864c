"""The setup checklist block of the Relances workspace (a Custom HTML Block, not a module file)."""

from relance_app.setup.checklist import ensure_setup_block


def execute():
	ensure_setup_block()
