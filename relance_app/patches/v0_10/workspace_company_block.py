"""The company picker block of the Relances workspace (a Custom HTML Block, not a module file)."""

from relance_app.desk.workspace import ensure_company_block


def execute():
	ensure_company_block()
