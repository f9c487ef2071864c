"""What the benchmark scripts share: finding the bench's sites folder, the machine's load and the database's
statement counter (the scripts are run with the bench's Python from the bench root, this folder on sys.path)."""

from __future__ import annotations

import os
import sys


def sites_folder() -> str:
	"""The bench's sites folder: this file is apps/relance_app/benchmarks/ of the bench (or run from it)."""
	here = os.path.dirname(os.path.abspath(__file__))
	for bench in (os.path.join(here, "..", "..", ".."), os.getcwd(), os.path.join(os.getcwd(), "..")):
		sites = os.path.abspath(os.path.join(bench, "sites"))
		if os.path.isfile(os.path.join(sites, "apps.txt")):
			return sites
	sys.exit("run this from the bench root (the folder with sites/ and apps/)")


def load() -> str:
	return f"load {os.getloadavg()[0]:.2f}"


def questions() -> int:
	"""Statements the database server has answered so far on this connection (differences count queries)."""
	import frappe

	return int(frappe.db.sql("show session status like 'Questions'")[0][1])


def connect(site: str) -> None:
	"""Open `site` of this bench as Administrator (from the bench's sites folder, as `bench execute` does)."""
	os.chdir(sites_folder())
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
