"""Upgrading a site installed from the first release: the reports get their English names and keep what
users attached to them; nothing else moves."""

import frappe
from frappe.tests.utils import FrappeTestCase

from relance_app.patches.v0_2.rename_reports import RENAMED_REPORTS, execute


class TestReportRename(FrappeTestCase):
	def setUp(self):
		# Put the site back as the first release left it: the reports under their French names, with a custom
		# role on one, a saved user setting, and a workspace link (the workspace JSON of that release).
		for old, new in RENAMED_REPORTS.items():
			frappe.rename_doc("Report", new, old, force=True)
		self.old_worklist = "Relances à faire"
		frappe.get_doc(
			{"doctype": "Custom Role", "report": self.old_worklist, "roles": [{"role": "Accounts User"}]}
		).insert(ignore_permissions=True)
		frappe.db.sql(
			"insert into `__UserSettings` (`user`, `doctype`, `data`) values (%s, %s, %s)",
			("Administrator", self.old_worklist, '{"column_widths": {"customer": 240}}'),
		)
		self.contact_logs = frappe.db.count("Dunning Contact Log")
		self.policies = frappe.get_all("Dunning Policy", pluck="name", order_by="name")

	def tearDown(self):
		frappe.db.rollback()
		for old, new in RENAMED_REPORTS.items():
			if frappe.db.exists("Report", old) and not frappe.db.exists("Report", new):
				frappe.rename_doc("Report", old, new, force=True)
		frappe.db.delete("Custom Role", {"report": ("in", [*RENAMED_REPORTS, *RENAMED_REPORTS.values()])})
		frappe.db.sql(
			"delete from `__UserSettings` where doctype in %s",
			([*RENAMED_REPORTS, *RENAMED_REPORTS.values()],),
		)
		frappe.db.commit()

	def test_patch_renames_the_reports_and_keeps_roles_settings_and_links(self):
		workspace_links = frappe.get_all(
			"Workspace Link", filters={"parent": "Relances", "link_type": "Report"}, pluck="link_to"
		)
		self.assertIn(self.old_worklist, workspace_links)

		execute()

		for old, new in RENAMED_REPORTS.items():
			self.assertFalse(frappe.db.exists("Report", old), old)
			self.assertTrue(frappe.db.exists("Report", new), new)
		roles = frappe.get_all(
			"Has Role", filters={"parent": "Dunning Worklist", "parenttype": "Report"}, pluck="role"
		)
		self.assertIn("Accounts Manager", roles)
		self.assertEqual(
			frappe.db.get_value("Custom Role", {"report": "Dunning Worklist"}, "report"), "Dunning Worklist"
		)
		settings = frappe.db.sql(
			"select data from `__UserSettings` where user = 'Administrator' and doctype = 'Dunning Worklist'"
		)
		self.assertIn("240", settings[0][0])
		workspace_links = frappe.get_all(
			"Workspace Link", filters={"parent": "Relances", "link_type": "Report"}, pluck="link_to"
		)
		self.assertIn("Dunning Worklist", workspace_links)
		self.assertNotIn(self.old_worklist, workspace_links)
		# Nothing else moves: evidence and policies are untouched.
		self.assertEqual(frappe.db.count("Dunning Contact Log"), self.contact_logs)
		self.assertEqual(frappe.get_all("Dunning Policy", pluck="name", order_by="name"), self.policies)

	def test_patch_is_a_no_op_on_a_site_already_upgraded(self):
		execute()
		execute()
		for new in RENAMED_REPORTS.values():
			self.assertTrue(frappe.db.exists("Report", new))
