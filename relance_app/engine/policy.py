"""Dunning policies and their levels: the ladder of reminders, as immutable, validated values.

A policy is an ordered ladder of levels. Each level fires a number of days after the due date
(negative: before it) through one channel. Validation happens on construction, so a `Policy` that
exists is a policy the engine can run.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from importlib import resources
from typing import Any

from relance_app.engine.errors import N_, EngineError


class PolicyError(EngineError):
	"""A dunning policy or level that cannot be run as configured."""


class Channel(str, Enum):
	"""How a level reaches the customer."""

	EMAIL = "email"
	SMS = "sms"
	CALL = "call"
	LETTER = "letter"
	REGISTERED_LETTER = "registered_letter"

	@classmethod
	def parse(cls, value: str | Channel) -> Channel:
		if isinstance(value, Channel):
			return value
		key = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
		key = _CHANNEL_ALIASES.get(key, key)
		try:
			return cls(key)
		except ValueError:
			raise PolicyError(
				N_("Unknown channel {channel!r}: use one of {choices}."),
				channel=value,
				choices=", ".join(c.value for c in cls),
			) from None

	@property
	def is_letter(self) -> bool:
		return self in (Channel.LETTER, Channel.REGISTERED_LETTER)


# The labels used in the desk (Dunning Level.channel options) map onto the engine's channel codes.
_CHANNEL_ALIASES = {"phone_call": "call", "phone": "call", "registered": "registered_letter"}


class Scope(str, Enum):
	"""Which debtors a policy applies to: professionals (B2B), consumers (B2C) or both."""

	B2B = "B2B"
	B2C = "B2C"
	BOTH = "both"


@dataclass(frozen=True)
class Level:
	"""One step of the ladder.

	`offset_days` counts from the due date: -5 is five days before it, 30 is thirty days after.
	`template` names what renders the message: an Email Template for email and letters, the SMS text
	itself for SMS, the call script for calls (optional). A call level's template, when set, is the
	recap email sent after the call is logged.
	"""

	title: str
	offset_days: int
	channel: Channel
	template: str | None = None
	formal_notice: bool = False
	attach_invoice: bool = True
	payment_link: bool = True
	include_penalties: bool = False
	payment_deadline_days: int = 8
	assignee: str | None = None

	def __post_init__(self) -> None:
		object.__setattr__(self, "channel", Channel.parse(self.channel))
		if not str(self.title or "").strip():
			raise PolicyError(N_("Every level needs a title."))
		if isinstance(self.offset_days, bool) or not isinstance(self.offset_days, int):
			raise PolicyError(
				N_("Level {title!r}: the offset must be a whole number of days, not {offset!r}."),
				title=self.title,
				offset=self.offset_days,
			)
		if self.payment_deadline_days < 0:
			raise PolicyError(
				N_("Level {title!r}: the payment deadline cannot be negative."), title=self.title
			)
		if self.formal_notice and self.offset_days <= 0:
			raise PolicyError(
				N_("Level {title!r}: a formal notice can only be sent after the due date."), title=self.title
			)

	@property
	def is_pre_due(self) -> bool:
		return self.offset_days < 0

	@property
	def label(self) -> str:
		"""J-5, J+0, J+30: how French credit controllers name the steps."""
		return f"J{self.offset_days:+d}"

	def to_dict(self) -> dict[str, Any]:
		data = asdict(self)
		data["channel"] = self.channel.value
		return data


@dataclass(frozen=True)
class Policy:
	"""An ordered ladder of levels plus the rules that say when not to contact a customer."""

	name: str
	levels: tuple[Level, ...]
	scope: Scope = Scope.BOTH
	min_outstanding: Decimal = Decimal("0")
	min_gap_days: int = 0
	business_days_only: bool = False
	one_message_per_customer: bool = False
	high_risk_advance_days: int = 0
	extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

	def __post_init__(self) -> None:
		object.__setattr__(self, "levels", tuple(self.levels))
		object.__setattr__(self, "scope", _parse_scope(self.scope))
		object.__setattr__(self, "min_outstanding", _decimal(self.min_outstanding, "min_outstanding"))
		self._validate()

	def _validate(self) -> None:
		if not self.levels:
			raise PolicyError(N_("Policy {name!r} has no levels: add at least one step."), name=self.name)
		previous: Level | None = None
		for level in self.levels:
			if not isinstance(level, Level):
				raise PolicyError(N_("Policy {name!r}: levels must be Level values."), name=self.name)
			if previous is not None and level.offset_days <= previous.offset_days:
				raise PolicyError(
					N_(
						"Policy {name!r}: level {title!r} ({offset} days) must come strictly after level "
						"{previous!r} ({previous_offset} days); offsets must increase."
					),
					name=self.name,
					title=level.title,
					offset=level.offset_days,
					previous=previous.title,
					previous_offset=previous.offset_days,
				)
			previous = level
		for level in self.levels[:-1]:
			if level.formal_notice:
				raise PolicyError(
					N_(
						"Policy {name!r}: the formal notice (mise en demeure) {title!r} must be the last level."
					),
					name=self.name,
					title=level.title,
				)
		if self.min_outstanding < 0:
			raise PolicyError(N_("Policy {name!r}: the minimum amount cannot be negative."), name=self.name)
		if self.min_gap_days < 0 or self.high_risk_advance_days < 0:
			raise PolicyError(
				N_("Policy {name!r}: day counts (minimum gap, high-risk advance) cannot be negative."),
				name=self.name,
			)

	def level(self, number: int) -> Level:
		"""Level by its 1-based number, as stored in the contact log."""
		if not 1 <= number <= len(self.levels):
			raise PolicyError(N_("Policy {name!r} has no level {number}."), name=self.name, number=number)
		return self.levels[number - 1]

	def effective_offset(self, number: int, *, high_risk: bool = False) -> int:
		"""Offset of level `number`, brought forward for high-risk customers.

		Only levels after the due date move, and never to or before the due date itself: a high-risk
		customer is chased sooner once late, but is not reminded earlier of an invoice not yet due.
		"""
		offset = self.level(number).offset_days
		if high_risk and self.high_risk_advance_days and offset > 0:
			return max(1, offset - self.high_risk_advance_days)
		return offset

	@property
	def formal_notice_level(self) -> int | None:
		last = len(self.levels)
		return last if self.levels[-1].formal_notice else None

	def to_dict(self) -> dict[str, Any]:
		return {
			"name": self.name,
			"scope": self.scope.value,
			"min_outstanding": str(self.min_outstanding),
			"min_gap_days": self.min_gap_days,
			"business_days_only": self.business_days_only,
			"one_message_per_customer": self.one_message_per_customer,
			"high_risk_advance_days": self.high_risk_advance_days,
			"levels": [level.to_dict() for level in self.levels],
		}

	@classmethod
	def from_dict(cls, data: Mapping[str, Any]) -> Policy:
		"""Build a policy from JSON-like data (the CLI's policy file, or a Dunning Policy document)."""
		if not isinstance(data, Mapping):
			raise PolicyError(N_("A policy must be an object with a name and levels."))
		known_level_fields = set(Level.__dataclass_fields__)
		levels = []
		for raw in data.get("levels") or ():
			unknown = set(raw) - known_level_fields
			if unknown:
				raise PolicyError(N_("Unknown level field(s): {fields}."), fields=", ".join(sorted(unknown)))
			levels.append(Level(**raw))
		return cls(
			name=str(data.get("name") or "").strip() or "Policy",
			levels=tuple(levels),
			scope=data.get("scope", Scope.BOTH),
			min_outstanding=data.get("min_outstanding", "0"),
			min_gap_days=int(data.get("min_gap_days", 0)),
			business_days_only=bool(data.get("business_days_only", False)),
			one_message_per_customer=bool(data.get("one_message_per_customer", False)),
			high_risk_advance_days=int(data.get("high_risk_advance_days", 0)),
		)

	@classmethod
	def from_json(cls, text: str) -> Policy:
		try:
			data = json.loads(text)
		except json.JSONDecodeError as exc:
			raise PolicyError(N_("The policy file is not valid JSON: {error}"), error=str(exc)) from None
		return cls.from_dict(data)


def default_policy() -> Policy:
	"""The French ladder shipped with the app ("Relance standard"), from engine/data/default_policy.json."""
	text = resources.files("relance_app.engine.data").joinpath("default_policy.json").read_text("utf-8")
	return Policy.from_json(text)


def _parse_scope(value: str | Scope) -> Scope:
	if isinstance(value, Scope):
		return value
	normalised = {"b2b": Scope.B2B, "b2c": Scope.B2C, "both": Scope.BOTH, "": Scope.BOTH}
	try:
		return normalised[str(value or "").strip().lower()]
	except KeyError:
		raise PolicyError(N_("Unknown scope {scope!r}: use B2B, B2C or both."), scope=value) from None


def _decimal(value: object, what: str) -> Decimal:
	if isinstance(value, float):
		value = repr(value)
	try:
		return Decimal(str(value))
	except InvalidOperation:
		raise PolicyError(N_("{what} must be a number, not {value!r}."), what=what, value=value) from None


def levels_from_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[Level, ...]:
	"""Levels from Dunning Level child rows (already sorted by idx), ignoring fields the engine does not use."""
	known = set(Level.__dataclass_fields__)
	return tuple(Level(**{k: v for k, v in row.items() if k in known}) for row in rows)


def resolve_policy_name(
	*,
	invoice_policy: str | None,
	customer_policy: str | None,
	customer_group: str | None,
	group_tree: Mapping[str, tuple[str | None, str | None]],
	company_default: str | None,
	usable: Collection[str],
) -> str | None:
	"""Which policy duns an invoice: its own override, else its customer's, else the nearest customer group's
	walking up the tree, else the company default.

	`group_tree` maps each customer group to ``(parent group, its policy)``. Only names in `usable` (enabled
	policies of the invoice's company) count; an unusable one is passed over, so a disabled policy falls back
	to the next level instead of silently stopping the dunning.
	"""
	for candidate in (invoice_policy, customer_policy):
		if candidate and candidate in usable:
			return candidate
	seen: set[str] = set()
	group = customer_group
	while group and group not in seen:
		seen.add(group)
		parent, policy = group_tree.get(group, (None, None))
		if policy and policy in usable:
			return policy
		group = parent
	return company_default if company_default in usable else None
