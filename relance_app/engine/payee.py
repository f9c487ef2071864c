"""Who the debtor pays, per invoice: the company, or the factor an invoice was sold to (affacturage with
subrogation), pure.

With subrogation the factor becomes the creditor of a factored invoice: a payment to the company no longer
discharges the debtor ("n'est pas libératoire"), so every reminder, letter, formal notice, debtor page and QR
code for such an invoice must give the factor's name, account and the subrogation mention the contract
requires, and never the company's account.

A message to a customer who owes both kinds of invoices keeps ONE message, with one payment instruction per
payee, each listing its own invoices and subtotal (`payment_groups`). Why not one message per payee: the
ladder's rules are per customer (one message per customer per run, the minimum gap between contacts), a
second message the same day would count as a second contact and the customer would receive two reminders
of the same level at once; the formal notice is one letter per customer. What matters legally is that no
factored invoice is ever shown next to the company's account: each group names its payee and its invoices,
and the company's group comes first, the factors' after, in a fixed order.

Which contract an invoice falls under by rule (`match_contract`): the most specific rule wins, a customer's
contract over its customer group's (the nearest group up the tree first) over a company-wide one; "by hand"
contracts are never chosen by rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from relance_app.engine.identifiers import format_iban

# Who does the dunning of a factored invoice (Factoring Contract.collected_by, stored in English).
FACTOR = "Factor"
COMPANY = "Company"
# Factoring Contract.assignment: which invoices the contract takes on submit.
BY_HAND = "By Hand Only"
ALL_INVOICES = "All Invoices of the Company"
BY_CUSTOMER_GROUP = "Customer Group"
BY_CUSTOMER = "Customer"
ASSIGNMENTS = (BY_HAND, ALL_INVOICES, BY_CUSTOMER_GROUP, BY_CUSTOMER)

# Placeholders of the subrogation mention, replaced (never evaluated: the mention is text the user edits).
FACTOR_PLACEHOLDER = "{factor}"
COMPANY_PLACEHOLDER = "{company}"
DEFAULT_MENTION = (
	"Pour être libératoire, votre règlement doit être effectué directement à l'ordre de {factor}, qui le "
	"reçoit par subrogation dans le cadre d'un contrat d'affacturage. {factor} devra être avisé de toute "
	"demande de renseignements ou réclamation relative à cette facture."
)


@dataclass(frozen=True)
class Payee:
	"""Whom to pay: name, IBAN (printed form), BIC, and for a factor its contract and subrogation mention."""

	name: str
	iban: str = ""
	bic: str = ""
	address: str = ""
	mention: str = ""
	contract: str = ""

	@property
	def is_factor(self) -> bool:
		return bool(self.contract)


@dataclass(frozen=True)
class Contract:
	"""The part of a Factoring Contract that decides payees and assignment."""

	name: str
	company: str
	factor_name: str
	iban: str = ""
	bic: str = ""
	address: str = ""
	mention: str = DEFAULT_MENTION
	collected_by: str = COMPANY
	assignment: str = BY_HAND
	customer: str = ""
	customer_group: str = ""
	enabled: bool = True


@dataclass(frozen=True)
class PaymentGroup:
	"""One payment instruction of a message: the payee and the invoices to pay it, with their total."""

	payee: Payee
	invoices: tuple[str, ...]
	totals: Mapping[str, Decimal] = field(default_factory=dict)

	@property
	def invoice_names(self) -> str:
		return ", ".join(self.invoices)


def render_mention(template: str, *, factor: str, company: str) -> str:
	"""The contract's subrogation mention with the factor's and the company's names put in."""
	text = (template or DEFAULT_MENTION).strip()
	return text.replace(FACTOR_PLACEHOLDER, factor).replace(COMPANY_PLACEHOLDER, company)


def factor_payee(contract: Contract, company_name: str) -> Payee:
	"""The factor as the payee of its contract's invoices."""
	return Payee(
		name=contract.factor_name,
		iban=format_iban(contract.iban),
		bic=(contract.bic or "").replace(" ", "").upper(),
		address=contract.address or "",
		mention=render_mention(contract.mention, factor=contract.factor_name, company=company_name),
		contract=contract.name,
	)


def payee_for(company: Payee, contract: Contract | None) -> Payee:
	"""Whom the debtor pays for an invoice under `contract` (None: not factored): the factor, whoever collects.

	A factored invoice is paid to the factor even when the factor does the dunning itself: the invoice's print
	says so; only the company's own reminders are stopped then (`factor_collects`)."""
	return factor_payee(contract, company.name) if contract else company


def factor_collects(contract: Contract | None) -> bool:
	"""Whether the factor does the dunning: then the company's ladder sends nothing for the invoice."""
	return bool(contract and contract.collected_by == FACTOR)


def payment_groups(
	amounts: Iterable[tuple[str, str, Decimal]], payee_of: Mapping[str, Payee], company: Payee
) -> list[PaymentGroup]:
	"""(invoice, currency, outstanding) rows grouped by whom they are paid to: the company's group first,
	then one per factor by name, invoices in the order given. An invoice missing from `payee_of` is the
	company's."""
	by_payee: dict[Payee, dict] = {}
	for invoice, currency, amount in amounts:
		payee = payee_of.get(invoice) or company
		group = by_payee.setdefault(payee, {"invoices": [], "totals": {}})
		if invoice not in group["invoices"]:
			group["invoices"].append(invoice)
		group["totals"][currency] = group["totals"].get(currency, Decimal(0)) + Decimal(amount)
	ordered = sorted(by_payee, key=lambda payee: (payee.is_factor, payee.name, payee.contract))
	return [
		PaymentGroup(
			payee=payee,
			invoices=tuple(by_payee[payee]["invoices"]),
			totals=dict(sorted(by_payee[payee]["totals"].items())),
		)
		for payee in ordered
	]


def match_contract(
	contracts: Sequence[Contract], *, company: str, customer: str, groups_up: Sequence[str] = ()
) -> Contract | None:
	"""The enabled contract a new invoice of `customer` falls under by rule, or None.

	`groups_up`: the customer's group, then its parents up to the root. The most specific rule wins (customer,
	then the nearest group, then company-wide); ties go to the contract whose name sorts first, so the choice
	never depends on the order contracts were read in."""
	candidates = sorted(
		(c for c in contracts if c.enabled and c.company == company and c.assignment != BY_HAND),
		key=lambda c: c.name,
	)
	for contract in candidates:
		if contract.assignment == BY_CUSTOMER and contract.customer == customer:
			return contract
	for group in groups_up:
		for contract in candidates:
			if contract.assignment == BY_CUSTOMER_GROUP and contract.customer_group == group:
				return contract
	for contract in candidates:
		if contract.assignment == ALL_INVOICES:
			return contract
	return None
