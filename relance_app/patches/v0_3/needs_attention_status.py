"""The Sales Invoice dunning status gets the option "Needs Attention" (a step failed too often)."""

from relance_app.setup.install import make_custom_fields


def execute():
	make_custom_fields()
