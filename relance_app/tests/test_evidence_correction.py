"""Locked contact-log entries (issue 18): an Accounts Manager cannot change a sent entry; a System Manager
corrects one only with a reason, the correction is itself logged and sealed, and the register verifies with
the entry named as corrected, not as changed."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from relance_app.common.validation import EvidenceLockedError
from relance_app.dunning.register import seal_pending, verify_chain
from relance_app.dunning.run import run
from relance_app.relance_app.doctype.dunning_contact_log.dunning_contact_log import correct_entry
from relance_app.tests.factories import (
	COMPANY,
	ROLE_USERS,
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
	make_role_users,
)

TODAY = getdate("2026-11-02")  # a Monday


class TestEvidenceCorrection(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		make_role_users()
		cls.policy = make_policy()
		frappe.db.set_single_value(
			"Dunning Settings", {"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0}
		)
		frappe.db.commit()

	def tearDown(self):
		frappe.set_user("Administrator")

	def sent_entry(self) -> str:
		"""A reminder sent by the run and sealed in the company's chain."""
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		with self.freeze_time(TODAY):
			run(TODAY, customers=[customer])
		seal_pending([COMPANY])
		name, seq = frappe.db.get_value(
			"Dunning Contact Log", {"sales_invoice": invoice.name, "is_automatic": 1}, ["name", "chain_seq"]
		)
		self.assertTrue(seq)
		return name

	def test_an_accounts_manager_cannot_edit_a_sent_entry(self):
		name = self.sent_entry()
		frappe.set_user(ROLE_USERS["Accounts Manager"])
		doc = frappe.get_doc("Dunning Contact Log", name)
		doc.notes = "Envoyé par erreur"
		with self.assertRaises(EvidenceLockedError):
			doc.save()
		with self.assertRaises(frappe.PermissionError):
			correct_entry(name, {"notes": "Envoyé par erreur"}, "Erreur de saisie")
		frappe.set_user("Administrator")
		self.assertNotEqual(frappe.db.get_value("Dunning Contact Log", name, "notes"), "Envoyé par erreur")

	def test_a_system_manager_correction_without_reason_is_refused(self):
		name = self.sent_entry()
		doc = frappe.get_doc("Dunning Contact Log", name)
		doc.notes = "Corrigé"
		with self.assertRaisesRegex(EvidenceLockedError, "reason"):
			doc.save()
		for reason in ("", "   "):
			with self.assertRaisesRegex(EvidenceLockedError, "reason"):
				correct_entry(name, {"notes": "Corrigé"}, reason)
		self.assertFalse(
			frappe.db.exists(
				"Dunning Contact Log", {"entry_type": "Correction", "notes": ("like", f"%{name}%")}
			)
		)

	def test_a_correction_with_reason_is_saved_logged_and_verifies_as_a_correction(self):
		name = self.sent_entry()
		before = frappe.db.get_value("Dunning Contact Log", name, ["notes", "evidence_hash"], as_dict=True)
		correct_entry(name, {"notes": "Courriel envoyé à l'ancienne adresse"}, "Adresse du client périmée")
		after = frappe.db.get_value("Dunning Contact Log", name, ["notes", "evidence_hash"], as_dict=True)
		self.assertEqual(after.notes, "Courriel envoyé à l'ancienne adresse")
		# The seal is kept: the next row still links to it.
		self.assertEqual(after.evidence_hash, before.evidence_hash)
		[log] = frappe.get_all(
			"Dunning Contact Log",
			filters={"entry_type": "Correction", "idempotency_key": ("like", f"correction:{name}:%")},
			fields=["name", "notes", "status", "company"],
		)
		self.assertIn("Adresse du client périmée", log.notes)
		self.assertIn("Courriel envoyé à l'ancienne adresse", log.notes)
		self.assertEqual((log.status, log.company), ("Done", COMPANY))
		self.assertTrue(
			frappe.db.exists("Comment", {"reference_name": name, "content": ("like", "%Adresse du client%")})
		)
		frappe.db.commit()
		seal_pending([COMPANY])
		result = verify_chain(COMPANY)
		self.assertTrue(result.ok, result.reason)
		self.assertIn(name, result.corrected)

	def test_a_change_without_correction_is_still_reported_as_tampering(self):
		name = self.sent_entry()
		correct_entry(name, {"notes": "Correction 1"}, "Saisie")
		frappe.db.commit()
		seal_pending([COMPANY])
		notes = frappe.db.get_value("Dunning Contact Log", name, "notes")
		frappe.db.sql("update `tabDunning Contact Log` set notes = 'Trafiqué' where name = %s", name)
		try:
			result = verify_chain(COMPANY)
			self.assertFalse(result.ok)
			self.assertEqual(result.first_bad, name)
		finally:
			frappe.db.sql("update `tabDunning Contact Log` set notes = %s where name = %s", (notes, name))
			frappe.db.commit()
		self.assertTrue(verify_chain(COMPANY).ok)

	def test_the_tracking_number_stays_editable_without_a_correction(self):
		name = self.sent_entry()
		doc = frappe.get_doc("Dunning Contact Log", name)
		doc.tracking_number = "1A00000000042"
		doc.save()
		self.assertFalse(
			frappe.db.exists("Dunning Contact Log", {"idempotency_key": ("like", f"correction:{name}:%")})
		)
