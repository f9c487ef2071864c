"""Doc events on ERPNext documents that settle Sales Invoices."""

from relance_app.dunning.closing import close_cancelled_invoice, close_settled_invoices


def payment_entry_on_submit(doc, method=None):
	"""A payment that clears invoices closes their dunning."""
	close_settled_invoices(
		ref.reference_name for ref in doc.references if ref.reference_doctype == "Sales Invoice"
	)


def journal_entry_on_submit(doc, method=None):
	close_settled_invoices(
		row.reference_name for row in doc.accounts if row.reference_type == "Sales Invoice"
	)


def sales_invoice_on_submit(doc, method=None):
	"""A credit note that clears the invoice it returns closes that invoice's dunning."""
	if doc.is_return and doc.return_against:
		close_settled_invoices([doc.return_against])


def sales_invoice_on_cancel(doc, method=None):
	if not doc.is_return:
		close_cancelled_invoice(doc.name)
