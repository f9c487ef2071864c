"""Foundations of the Frappe layer shared by every domain: constants, errors, parties, invoices, policy and
rate records. Imports only the engine and Frappe/ERPNext."""
