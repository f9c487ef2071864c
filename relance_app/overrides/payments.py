"""Doc events on ERPNext documents that settle or cancel Sales Invoices: they only schedule the closing
(`dunning.closing.schedule_closing`), which runs after the user's transaction commits."""

from relance_app.dunning.closing import schedule_closing


def payment_ledger_entry_on_submit(doc, method=None):
	"""Every way ERPNext settles an invoice books a Payment Ledger Entry against it: payments, journal entries,
	credit notes, reconciliations."""
	if doc.against_voucher_type != "Sales Invoice" or not doc.against_voucher_no:
		return
	if doc.voucher_type == "Sales Invoice" and doc.voucher_no == doc.against_voucher_no:
		# The invoice booking its own debt settles nothing: no job (nor any query) after its commit.
		return
	schedule_closing(settled=[doc.against_voucher_no])


def sales_invoice_on_cancel(doc, method=None):
	if not doc.is_return:
		schedule_closing(cancelled=[doc.name])
