app_name = "relance_app"
app_title = "Relance App"
app_publisher = "relance_app developers"
app_description = "Automated, French-law-aware invoice dunning (relances) for ERPNext"
app_email = "dev@relance-app.invalid"
app_license = "mit"

# "org/repo" form: frappe resolves a bare "erpnext" by asking GitHub, which fails on offline servers.
required_apps = ["frappe/erpnext"]

# Installation
after_install = "relance_app.setup.install.after_install"
before_uninstall = "relance_app.setup.install.before_uninstall"

# Assets: the Relance buttons, indicator and summaries on ERPNext's forms and list
doctype_js = {
	"Sales Invoice": [
		"public/js/dunning_status.js",
		"public/js/factoring.js",
		"public/js/credit_insurance.js",
		"public/js/litigation.js",
		"public/js/sales_invoice.js",
	],
	"Customer": ["public/js/litigation.js", "public/js/customer.js"],
	"Dunning": "public/js/dunning.js",
}
doctype_list_js = {
	"Sales Invoice": [
		"public/js/dunning_status.js",
		"public/js/sales_invoice_list.js",
		"public/js/factoring_list.js",
	]
}

# Document events
doc_events = {
	# every new company gets the default French ladder ("Relance standard")
	"Company": {"on_update": "relance_app.overrides.company.on_update"},
	# a draft formal notice (Dunning of type "Mise en demeure") keeps French-law interest when saved
	"Dunning": {"validate": "relance_app.overrides.dunning.validate"},
	# collective proceedings recorded on a customer: a contact-log note and a ToDo for the filing deadline
	"Customer": {
		"on_update": [
			"relance_app.overrides.customer.on_update",
			"relance_app.dunning.selection.on_customer_update",
		]
	},
	# every settlement (payment, journal entry, credit note, reconciliation) books a ledger entry: closing
	# the invoice's dunning is scheduled after the user's transaction commits, never inside it
	"Payment Ledger Entry": {"on_submit": "relance_app.overrides.payments.payment_ledger_entry_on_submit"},
	"Sales Invoice": {
		# affacturage: the factoring contract whose rule covers the invoice, checked against its company
		"before_submit": "relance_app.overrides.factoring.before_submit",
		"before_update_after_submit": "relance_app.overrides.factoring.before_update_after_submit",
		"on_cancel": "relance_app.overrides.payments.sales_invoice_on_cancel",
		# assurance-crédit: a new invoice over the customer's insured credit limit is warned of, never blocked
		"validate": "relance_app.overrides.credit_insurance.validate",
		# the daily run reads only invoices with work due: these events ask it to read one again
		"on_update_after_submit": "relance_app.dunning.selection.on_invoice_update_after_submit",
	},
	"Sales Order": {"validate": "relance_app.overrides.credit_insurance.validate"},
	"Dunning Contact Log": {"on_change": "relance_app.dunning.selection.on_contact_log_change"},
	"Dunning Policy": {
		"on_update": "relance_app.dunning.selection.on_policy_update",
		"on_trash": "relance_app.dunning.selection.on_policy_update",
	},
	# a reminder template (used by a policy, or a shipped one) may only read its data: checked when saved
	"Email Template": {"validate": "relance_app.overrides.email_template.validate"},
	# a reply to a reminder (or a delivery-failure notice) received by an incoming Email Account: read after the
	# receiving transaction commits, in the background; it never fails the receiving of email
	"Communication": {"after_insert": "relance_app.portal.inbound.on_communication_insert"},
}

# Scheduler
scheduler_events = {
	# the daily escalation: long queue, it may fan out into background jobs
	# then, as a job of its own (it cannot fail the run), the credit insurance declarations due: one ToDo each
	"daily_long": ["relance_app.dunning.run.run_daily", "relance_app.dunning.insurance.run_daily"],
	# reminder emails Frappe could not send, or reported bounced, not yet in the contact log
	"hourly": ["relance_app.dunning.bounces.sweep_bounces"],
}

# App keys
# Jinja: the reminder templates' filters also work in desk-rendered templates and print formats (and let
# Email Template accept our templates when saved); they are site-wide, hence the relance_ prefix (Frappe
# names a filter after its function). The mise en demeure print format gets its figures from
# relance_formal_notice_context.
jinja = {
	"methods": [
		"relance_app.formal_notice.letter.relance_formal_notice_context",
		"relance_app.formal_notice.proceedings.relance_claim_declaration",
		"relance_app.formal_notice.proceedings.relance_claim_formatters",
		"relance_app.formal_notice.terms.relance_late_payment_mentions",
		"relance_app.common.factoring.relance_factoring_mention",
	],
	"filters": [
		"relance_app.engine.render.relance_money",
		"relance_app.engine.render.relance_date",
		"relance_app.engine.render.relance_date_long",
	],
}

# contact-log entries in the invoice's and the customer's timeline
additional_timeline_content = {
	"Sales Invoice": ["relance_app.desk.timeline.get_timeline"],
	"Customer": ["relance_app.desk.timeline.get_timeline"],
}

# a fresh site gets ERPNext's setup wizard completed before relance_app's tests run
before_tests = "relance_app.tests.setup.before_tests"
