"""The customer-page link in what existing sites send: shipped Email Templates and the shipped SMS text.

0.8 adds the "Voir et régler mes factures" / "View and pay my invoices" button (the customer's personal page,
issue #14) to every shipped reminder. As in 0.5, a stored Email Template is replaced only when its body is,
unchanged, one the app shipped before (by SHA-256, `DefaultTemplate.is_earlier_version`); the SMS text of a
Dunning Level is replaced only when it is exactly the text shipped before 0.8. What a user wrote is kept.
"""

import frappe

from relance_app.patches.v0_5.update_shipped_templates import execute as update_shipped_templates

SMS_BEFORE = (
	"{{ company.name }} : facture(s) {{ invoice_names }} de {{ total | relance_money(currency) }} échue(s) "
	"depuis le {{ invoices[0].due_date | relance_date }}. Merci de régler : {{ payment_link or iban }}. "
	"Ignorez ce SMS si c'est fait."
)
SMS_NOW = SMS_BEFORE.replace(
	"Merci de régler : {{ payment_link or iban }}",
	"Voir et régler : {{ portal_link or payment_link or iban }}",
)


def execute():
	update_shipped_templates()
	level = frappe.qb.DocType("Dunning Level")
	(
		frappe.qb.update(level)
		.set(level.sms_text, SMS_NOW)
		.where(level.parenttype == "Dunning Policy")
		.where(level.channel == "SMS")
		.where(level.sms_text == SMS_BEFORE)
	).run()
