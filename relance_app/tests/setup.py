"""Bench-tier setup, run by `bench run-tests --app relance_app` before any test."""


def before_tests():
	"""Complete ERPNext's setup wizard on a fresh site, as ERPNext's own test run does.

	Frappe only runs the `before_tests` hooks of the app under test, so without this a fresh site would
	have no company, fiscal year or defaults when only relance_app's tests run.
	"""
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	erpnext_before_tests()
