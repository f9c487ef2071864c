"""Frappe's development web server for one site, bound to 127.0.0.1 only.

`bench serve` always listens on 0.0.0.0; the browser test needs nothing but loopback. Run it with the
bench's Python from the bench's sites/ folder:

    cd ~/frappe-bench/sites && ../env/bin/python /path/to/relance_app/e2e/serve.py ui.test 8010
"""

from __future__ import annotations

import logging
import sys


def main() -> None:
	site, port = sys.argv[1], int(sys.argv[2])
	import frappe.app
	from werkzeug.serving import run_simple

	frappe.app._site = site
	frappe.app._sites_path = "."
	frappe.app.application_with_statics()  # /assets and /files, as `bench serve` does
	logging.getLogger("werkzeug").setLevel(logging.WARNING)
	run_simple(
		"127.0.0.1",
		port,
		frappe.app.application,
		use_reloader=False,
		use_debugger=False,
		threaded=True,
	)


if __name__ == "__main__":
	main()
