app_name = "relance_app"
app_title = "Relance App"
app_publisher = "relance_app developers"
app_description = "Automated, French-law-aware invoice dunning (relances) for ERPNext"
app_email = "dev@relance-app.invalid"
app_license = "mit"

required_apps = ["erpnext"]

# Installation
after_install = "relance_app.install.after_install"
before_uninstall = "relance_app.install.before_uninstall"

# Document events
doc_events = {
	# every new company gets the default French ladder ("Relance standard")
	"Company": {"after_insert": "relance_app.overrides.company.after_insert"},
}
