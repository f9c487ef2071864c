"""The reminder templates shipped with the app, in French and English.

Bodies live as Jinja files in ``relance_app/templates/dunning`` and share partials (invoice table, payment
means, signature) through ``{% include %}``. An ERPNext Email Template is a single string, so `body()`
inlines the partials: what is installed is self-contained and renders with `engine.render.render`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_INCLUDE = re.compile(r"""{%-?\s*include\s+["']([\w.\-]+)["']\s*-?%}""")

_NAMES = "{{ invoice_names }}"


@dataclass(frozen=True)
class DefaultTemplate:
	name: str
	language: str
	subject: str
	file: str

	def body(self) -> str:
		return inline_includes(_read(self.file))


DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
	DefaultTemplate(
		"Relance J-5 - Rappel amical",
		"fr",
		"Rappel : facture(s) " + _NAMES + " à échéance le {{ invoices[0].due_date | relance_date }}",
		"friendly_reminder.fr.html",
	),
	DefaultTemplate(
		"Relance J+5 - Facture échue",
		"fr",
		"Facture(s) " + _NAMES + " impayée(s) : {{ total | relance_money(currency) }}",
		"overdue_reminder.fr.html",
	),
	DefaultTemplate(
		"Relance J+10 - Récapitulatif après appel",
		"fr",
		"Suite à notre appel : récapitulatif des sommes dues ({{ total | relance_money(currency) }})",
		"call_recap.fr.html",
	),
	DefaultTemplate(
		"Relance J+30 - Mise en demeure",
		"fr",
		"Mise en demeure de payer : {{ total | relance_money(currency) }} ({{ company.name }})",
		"formal_notice.fr.html",
	),
	DefaultTemplate(
		"Relance - Remerciement",
		"fr",
		"Merci pour votre règlement",
		"thank_you.fr.html",
	),
	DefaultTemplate(
		"Dunning D-5 - Friendly reminder",
		"en",
		"Reminder: invoice(s) " + _NAMES + " due on {{ invoices[0].due_date | relance_date }}",
		"friendly_reminder.en.html",
	),
	DefaultTemplate(
		"Dunning D+5 - Overdue invoice",
		"en",
		"Invoice(s) " + _NAMES + " unpaid: {{ total | relance_money(currency) }}",
		"overdue_reminder.en.html",
	),
	DefaultTemplate(
		"Dunning D+10 - Call summary",
		"en",
		"Following our call: summary of amounts due ({{ total | relance_money(currency) }})",
		"call_recap.en.html",
	),
	DefaultTemplate(
		"Dunning D+30 - Formal notice",
		"en",
		"Formal notice to pay: {{ total | relance_money(currency) }} ({{ company.name }})",
		"formal_notice.en.html",
	),
	DefaultTemplate(
		"Dunning - Thank you",
		"en",
		"Thank you for your payment",
		"thank_you.en.html",
	),
)


def _read(file: str) -> str:
	return resources.files("relance_app.templates").joinpath("dunning", file).read_text("utf-8")


def inline_includes(text: str, depth: int = 0) -> str:
	"""Replace each ``{% include "partial" %}`` by the partial's text (partials may include others)."""
	if depth > 5:
		raise RecursionError("template includes nest too deep")
	return _INCLUDE.sub(lambda m: inline_includes(_read(m.group(1)), depth + 1).rstrip("\n"), text)
