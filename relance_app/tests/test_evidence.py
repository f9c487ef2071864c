"""The evidence register on a real site: the run seals what it sends, `verify-log` finds a row edited in the
database, sealed rows refuse changes, concurrent sealers never fork a chain, status changes leave a trail."""

from __future__ import annotations

import json
import subprocess
import threading

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_bench_path, getdate

from relance_app.common.validation import EvidenceLockedError
from relance_app.dunning.register import chain_head, seal_company, verify_chain
from relance_app.dunning.run import run
from relance_app.tests.factories import (
	COMPANY,
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
)

TODAY = getdate("2026-11-02")  # a Monday


def step_row(invoice: str) -> frappe._dict:
	return frappe.db.get_value(
		"Dunning Contact Log",
		{"sales_invoice": invoice, "is_automatic": 1},
		["name", "status", "notes", "chain_seq", "previous_hash", "evidence_hash"],
		as_dict=True,
	)


class TestEvidenceRegister(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		cls.policy = make_policy()
		frappe.db.set_single_value(
			"Dunning Settings", {"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0}
		)
		frappe.db.commit()

	def sent_step(self) -> frappe._dict:
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		with self.freeze_time(TODAY):
			run(TODAY, customers=[customer])
		return step_row(invoice.name)

	def test_a_run_seals_what_it_sent_and_the_register_verifies(self):
		row = self.sent_step()
		self.assertEqual(row.status, "Sent")
		self.assertGreater(row.chain_seq, 0)
		self.assertRegex(row.evidence_hash, r"^[0-9a-f]{64}$")
		previous = frappe.db.get_value(
			"Dunning Contact Log", {"company": COMPANY, "chain_seq": row.chain_seq - 1}, "evidence_hash"
		)
		if previous:
			self.assertEqual(row.previous_hash, previous)
		result = verify_chain(COMPANY)
		self.assertTrue(result.ok, result)
		self.assertGreaterEqual(result.checked, row.chain_seq)
		self.assertEqual(result.pending, 0)

	def test_the_status_change_of_the_run_is_in_the_version_trail(self):
		row = self.sent_step()
		versions = frappe.get_all(
			"Version",
			filters={"ref_doctype": "Dunning Contact Log", "docname": row.name},
			fields=["owner", "data"],
		)
		changes = [change for version in versions for change in json.loads(version.data)["changed"]]
		self.assertIn(["status", "Planned", "Sent"], changes)
		self.assertEqual({version.owner for version in versions}, {"Administrator"})

	def test_verify_log_names_exactly_the_row_edited_in_the_database(self):
		first, edited, after = self.sent_step(), self.sent_step(), self.sent_step()
		self.assertTrue(verify_chain(COMPANY).ok)
		frappe.db.sql(
			"update `tabDunning Contact Log` set notes = %s where name = %s", ("Jamais envoyé", edited.name)
		)
		frappe.db.commit()
		try:
			result = verify_chain(COMPANY)
			self.assertFalse(result.ok)
			self.assertEqual(result.first_bad, edited.name)
			self.assertIn("changed after it was sealed", result.reason)
			self.assertEqual(result.checked, edited.chain_seq - 1)
			cli = subprocess.run(
				["bench", "--site", frappe.local.site, "relance", "verify-log", "--company", COMPANY],
				cwd=get_bench_path(),
				capture_output=True,
				text=True,
				timeout=180,
			)
			self.assertEqual(cli.returncode, 1, cli.stdout + cli.stderr)
			self.assertIn(f"entry {edited.name}:", cli.stdout)
			self.assertNotIn(first.name, cli.stdout)
			self.assertNotIn(after.name, cli.stdout)
		finally:
			frappe.db.sql(
				"update `tabDunning Contact Log` set notes = %s where name = %s", (edited.notes, edited.name)
			)
			frappe.db.commit()
		self.assertTrue(verify_chain(COMPANY).ok)

	def test_a_sealed_row_refuses_changes_through_the_desk_even_for_a_system_manager(self):
		row = self.sent_step()
		doc = frappe.get_doc("Dunning Contact Log", row.name)
		doc.notes = "Corrigé"
		with self.assertRaises(EvidenceLockedError):
			doc.save()
		doc.reload()
		doc.tracking_number = "1A00000000001"  # recorded after posting: outside the hash
		doc.save()
		frappe.db.commit()
		self.assertTrue(verify_chain(COMPANY).ok)

	def test_entries_made_in_the_desk_are_sealed_after_their_commit(self):
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		doc = frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"sales_invoice": invoice.name,
				"entry_type": "Call",
				"status": "Done",
				"call_outcome": "Reached",
				"chain_seq": 99,  # ignored: only the register seals
				"evidence_hash": "forged",
			}
		).insert()
		self.assertEqual((doc.chain_seq, doc.evidence_hash), (0, None))
		frappe.db.commit()
		sealed = frappe.db.get_value("Dunning Contact Log", doc.name, ["chain_seq", "evidence_hash"])
		self.assertGreater(sealed[0], 0)
		self.assertEqual(chain_head(COMPANY), tuple(sealed))
		self.assertTrue(verify_chain(COMPANY).ok)

	def test_sealing_neither_waits_for_nor_deadlocks_with_a_worker_writing_its_batch(self):
		"""Two workers: one seals the rows its last batch sent while the other is inside a batch, claiming
		rows (chain_seq 0, the range the sealer moves rows out of) and not yet committed."""
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY).name
		frappe.db.commit()
		fields = ("name", "creation", "modified", "owner", "modified_by", "customer", "company", "sales_invoice",
			"entry_type", "direction", "status", "contact_date", "idempotency_key")  # fmt: skip

		def rows(tag: str, status: str, count: int) -> list[tuple]:
			stamp = frappe.utils.now_datetime()
			return [
				(f"DCL-{tag}{frappe.generate_hash(length=12)}", stamp, stamp, "Administrator", "Administrator",
				 customer, COMPANY, invoice, "Note", "Outbound", status, stamp, f"seal-test:{tag}:{n}:{stamp}")
				for n in range(count)
			]  # fmt: skip

		# What an earlier batch sent, committed and not sealed yet.
		frappe.db.bulk_insert("Dunning Contact Log", fields, rows("s", "Sent", 6))
		frappe.db.commit()
		site, errors = frappe.local.site, []
		holding, sealed = threading.Event(), threading.Event()

		def batch_in_progress():
			try:
				frappe.init(site=site)
				frappe.connect()
				frappe.set_user("Administrator")
				frappe.db.bulk_insert("Dunning Contact Log", fields, rows("a", "Planned", 6))
				holding.set()
				sealed.wait(60)
				# More claims into the same range of the index after the sealer moved rows out of it.
				frappe.db.bulk_insert("Dunning Contact Log", fields, rows("b", "Planned", 6))
				frappe.db.commit()
			except Exception as exc:
				errors.append(repr(exc))
			finally:
				holding.set()
				frappe.destroy()

		thread = threading.Thread(target=batch_in_progress)
		thread.start()
		try:
			self.assertTrue(holding.wait(60))
			# Waiting for the open batch would fail here instead of sealing (it stays open until we are done).
			frappe.db.sql("set session innodb_lock_wait_timeout = 5")
			self.assertGreaterEqual(seal_company(COMPANY), 6)
		finally:
			frappe.db.sql("set session innodb_lock_wait_timeout = default")
			sealed.set()
			thread.join(120)
		self.assertEqual(errors, [])
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.count(
				"Dunning Contact Log", {"customer": customer, "status": "Planned", "chain_seq": 0}
			),
			12,
		)
		result = verify_chain(COMPANY)
		self.assertTrue(result.ok, result)
		frappe.db.delete("Dunning Contact Log", {"customer": customer, "status": "Planned"})
		frappe.db.commit()

	def test_sealing_gives_the_session_back_at_its_own_isolation_level(self):
		def level() -> str:
			return frappe.db.sql("select @@session.tx_isolation")[0][0]

		before = level()
		frappe.db.sql("set session transaction isolation level serializable")
		try:
			self.sent_step()  # the run seals what it sent
			seal_company(COMPANY)
			self.assertEqual(level(), "SERIALIZABLE")
		finally:
			frappe.db.sql(f"set session transaction isolation level {before.replace('-', ' ')}")
		self.assertTrue(verify_chain(COMPANY).ok)

	def test_two_workers_sealing_one_company_at_once_never_fork_the_chain(self):
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		frappe.db.commit()
		site, errors, written = frappe.local.site, [], []

		def worker(tag: str):
			try:
				frappe.init(site=site)
				frappe.connect()
				frappe.set_user("Administrator")
				for n in range(6):
					name = frappe.get_doc(
						{
							"doctype": "Dunning Contact Log",
							"sales_invoice": invoice.name,
							"entry_type": "Note",
							"status": "Done",
							"contact_date": add_days(TODAY, n),
							"notes": f"{tag} {n}",
						}
					).insert(ignore_permissions=True)
					written.append(name.name)
					frappe.db.commit()
					seal_company(COMPANY)
			except Exception as exc:
				errors.append(repr(exc))
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=worker, args=(tag,)) for tag in ("A", "B")]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(120)
		self.assertEqual(errors, [])
		frappe.db.rollback()  # a fresh snapshot: see what the workers committed
		rows = frappe.get_all(
			"Dunning Contact Log", filters={"name": ("in", written)}, fields=["chain_seq", "previous_hash"]
		)
		self.assertEqual(len(rows), 12)
		self.assertTrue(all(row.chain_seq > 0 for row in rows))
		self.assertEqual(len({row.chain_seq for row in rows}), 12)
		self.assertEqual(len({row.previous_hash for row in rows}), 12)
		result = verify_chain(COMPANY)
		self.assertTrue(result.ok, result)
		self.assertEqual(result.pending, 0)
