"""The Customer's `dunning_portal_revision` (revocation counter of the customer-page links) on existing sites."""

from relance_app.setup.install import make_custom_fields


def execute():
	make_custom_fields()
