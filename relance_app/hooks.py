app_name = "relance_app"
app_title = "Relance App"
app_publisher = "relance_app developers"
app_description = "Automated, French-law-aware invoice dunning (relances) for ERPNext"
app_email = "dev@relance-app.invalid"
app_license = "mit"

# "org/repo" form: frappe resolves a bare "erpnext" by asking GitHub, which fails on offline servers.
required_apps = ["frappe/erpnext"]

# Jinja: the reminder templates' filters (money, date_fr, date_long) also work in desk-rendered
# templates and print formats, and let Email Template accept our templates when saved.
jinja = {
	"filters": [
		"relance_app.engine.render.money",
		"relance_app.engine.render.date_fr",
		"relance_app.engine.render.date_long",
	]
}

# Installation
after_install = "relance_app.install.after_install"
before_uninstall = "relance_app.install.before_uninstall"

# Document events
doc_events = {
	# every new company gets the default French ladder ("Relance standard")
	"Company": {"after_insert": "relance_app.overrides.company.after_insert"},
}
