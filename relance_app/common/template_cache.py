"""Compiled Jinja templates kept for the life of the worker process (issue 18: previews under 1 s).

Frappe builds a new Jinja environment per request, and again inside every `print_language` block, so each
mise en demeure preview parsed and compiled the letter's templates (the 24 KB letter body, the print styles)
anew: most of its time. A Jinja bytecode cache attached to the environment in use keeps the compiled code of
loader templates across requests. It is keyed by template name and checked against the checksum of the
source, so an edited template is compiled again; it holds code only, never a request's globals or data.
"""

from __future__ import annotations

import threading

from jinja2 import BytecodeCache


class ProcessBytecodeCache(BytecodeCache):
	"""Bytecode per template in this process's memory (one entry per template: bounded by their number)."""

	def __init__(self) -> None:
		self._store: dict[str, bytes] = {}
		self._lock = threading.Lock()

	def load_bytecode(self, bucket) -> None:
		data = self._store.get(bucket.key)
		if data is not None:
			bucket.bytecode_from_string(data)

	def dump_bytecode(self, bucket) -> None:
		with self._lock:
			self._store[bucket.key] = bucket.bytecode_to_string()

	def clear(self) -> None:
		with self._lock:
			self._store.clear()


CACHE = ProcessBytecodeCache()


def with_compiled_templates(environment):
	"""`environment` (Frappe's current one: `frappe.get_jenv()`) with the process's compiled templates."""
	if environment.bytecode_cache is None:
		environment.bytecode_cache = CACHE
	return environment
