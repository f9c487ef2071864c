"""A file the debtor joins on the customer page (proof of payment, dispute document): checked, kept private.

Only PDF, PNG and JPEG, recognised by their first bytes as well as their name and opened once with their
reader (pypdf, Pillow: both come with Frappe), up to 5 MB. The file is saved as a private File attached to
the contact-log row it came with (and named in the row's attachment field), so the desk user opens it from
the row; a Guest never gets it back.
"""

from __future__ import annotations

import io
import os

import frappe
from frappe import _

MAX_BYTES = 5 * 1024 * 1024
# Extension -> the first bytes of such a file.
SIGNATURES = {
	"pdf": (b"%PDF-",),
	"png": (b"\x89PNG\r\n\x1a\n",),
	"jpg": (b"\xff\xd8\xff",),
	"jpeg": (b"\xff\xd8\xff",),
}
MAX_NAME = 100


def uploaded(field: str) -> tuple[str, bytes] | None:
	"""The file posted as `field` in the current request (name, content), checked; None when none was sent."""
	request = getattr(frappe.local, "request", None)
	files = getattr(request, "files", None) if request else None
	storage = files.get(field) if files else None
	if not storage or not storage.filename:
		return None
	# One byte more than allowed is enough to refuse: a huge upload is never held whole in memory.
	content = storage.stream.read(MAX_BYTES + 1)
	return check_file(storage.filename, content)


def check_file(filename: str, content: bytes) -> tuple[str, bytes]:
	"""(a safe file name, content) for a PDF, PNG or JPEG of at most 5 MB; frappe.ValidationError otherwise."""
	base, extension = os.path.splitext(os.path.basename((filename or "").replace("\\", "/")))
	extension = extension.lower().lstrip(".")
	signatures = SIGNATURES.get(extension)
	if not signatures or not content or not content.startswith(signatures):
		frappe.throw(_("Only a PDF, PNG or JPEG file can be sent."))
	if len(content) > MAX_BYTES:
		frappe.throw(_("The file is too large: {0} MB at most.").format(MAX_BYTES // (1024 * 1024)))
	if not _opens(extension, content):
		frappe.throw(_("This file could not be read: send a valid PDF, PNG or JPEG."))
	safe = "".join(c if c.isalnum() or c in "-_ " else "_" for c in base).strip()[:MAX_NAME] or "document"
	return f"{safe}.{extension}", content


def _opens(extension: str, content: bytes) -> bool:
	"""The file opens as what it says it is (a PDF with a page, an image), as its reader in the desk will."""
	try:
		if extension == "pdf":
			from pypdf import PdfReader

			return len(PdfReader(io.BytesIO(content)).pages) > 0
		from PIL import Image

		with Image.open(io.BytesIO(content)) as image:
			image.verify()
		return True
	except Exception:
		return False


def save_private(filename: str, content: bytes) -> frappe.model.document.Document:
	"""A private File, not yet attached (the contact-log row it belongs to is written next)."""
	return frappe.get_doc(
		{"doctype": "File", "file_name": filename, "is_private": 1, "content": content}
	).insert(ignore_permissions=True)


def attach(file_doc, doctype: str, name: str) -> None:
	"""Attach the saved File to the row it came with."""
	file_doc.db_set({"attached_to_doctype": doctype, "attached_to_name": name}, update_modified=False)
