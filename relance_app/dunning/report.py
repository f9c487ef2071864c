"""What one escalation run did, counted for the command line, the digest and the API."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date


@dataclass
class RunReport:
	"""Counts of one run (or one fanned-out batch), with the errors a person must read."""

	day: date
	dry_run: bool
	locked_out: bool = False
	actions: int = 0
	sent: int = 0
	already_done: int = 0
	paid_since_selection: int = 0
	failed: int = 0
	# Failed steps that reached their last attempt in this run, and steps skipped as they await a person.
	needs_attention: int = 0
	held_for_attention: int = 0
	not_deliverable: int = 0
	uncertain: int = 0
	batches: list[str] = field(default_factory=list)
	by_channel: dict[str, int] = field(default_factory=lambda: defaultdict(int))
	errors: list[str] = field(default_factory=list)

	def as_dict(self) -> dict:
		data = {k: v for k, v in self.__dict__.items() if k != "by_channel"}
		data["day"] = self.day.isoformat()
		data["by_channel"] = dict(self.by_channel)
		return data
