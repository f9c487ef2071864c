"""Errors relance_app raises in the Frappe layer."""

import frappe


class DunningConfigurationError(frappe.ValidationError):
	"""A dunning policy, level or setting that cannot work as configured."""


class TemplateRenderError(frappe.ValidationError):
	"""A reminder template that does not render against a sample invoice."""


class EvidenceLockedError(frappe.PermissionError):
	"""A sent contact-log entry is evidence: only a System Manager may change or delete it."""


class DuplicateStepError(frappe.DuplicateEntryError):
	"""The same automatic dunning step was already recorded for this instalment."""
