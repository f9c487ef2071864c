"""The reminder templates shipped with the app, in French and English.

Bodies live as Jinja files in ``relance_app/templates/dunning`` and share partials (invoice table, payment
means, signature) through ``{% include %}``. An ERPNext Email Template is a single string, so `body()`
inlines the partials: what is installed is self-contained and renders with `engine.render.render`.

A site keeps the bodies it was installed with. `is_earlier_version` tells a stored body that is still exactly
one the app shipped before (by its SHA-256, `SHIPPED_BODY_HASHES`) from one a user edited: the upgrade patches
(patches/v0_5/update_shipped_templates, rerun by v0_8/portal_link_in_templates) replace only the former. When
a body changes, add the hash of the version it replaces (`body_hash(template.body())` before the change) to
that list.
"""

from __future__ import annotations

import hashlib
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

	def is_earlier_version(self, stored: str | None) -> bool:
		"""True when `stored` is, unchanged, a body this template had in an earlier release."""
		return body_hash(stored or "") in SHIPPED_BODY_HASHES.get(self.name, ())


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


def body_hash(body: str) -> str:
	"""SHA-256 of a body as stored, ignoring line endings and surrounding whitespace."""
	return hashlib.sha256(body.replace("\r\n", "\n").strip().encode("utf-8")).hexdigest()


# The bodies shipped before 0.5, as installed and as the v0_3 patch rewrote them (prefixed filters), then the
# 0.5 bodies (before the customer-page button of 0.8).
SHIPPED_BODY_HASHES: dict[str, tuple[str, ...]] = {
	"Relance J-5 - Rappel amical": (
		"d39241d2f2c216a39993094234c6c1aed2a840bc7ae227ff921f0f377e2e5265",
		"8514b429123b7d90eec0d76fbcd4d8e9ec182c543618ea988c2ebc6e5165c0f4",
		"396ba48d9ad59366aa68c953b5fb615cf0aec00e114514639d12b10e2bcfff38",
		"ed4c2636acd3759dade17986c67be616e98ad7781d19629b22558739c516fa8e",
	),
	"Relance J+5 - Facture échue": (
		"bd1578936b8790044d4ad7f512f18ce23cca8f604ce4bb26d333deb461838ec2",
		"0197b1f762676ac5622cfaaf5fc5c3c15459287bfd700465f651ba915c5284af",
		"fc70494add35275817aa2bab8ff09eee5ec8cf599cd8331262253389a38f4338",
		"a1729ef8d8f43e24fde0db168c6e71711f4cf24a3a678f79c9585ba1ca77c621",
		"8a46ad081dd321ab627c36d48696fcff5aa5c734215698e2832a38a9d7e2c1f9",
	),
	"Relance J+10 - Récapitulatif après appel": (
		"af8923746e5145a77e92acf6f7d99df1cc25aea2b5ef0d39c3f61dd9b28afa22",
		"e8294dfaabc5e0f8d7af31d395e907121420db8b312ac329e85b896207395c8e",
		"30c324dd3c14d25f1eceea1272684de3d9aa886ac1e2d862e9f718f2dae31468",
		"ab070a4a191e7c26e73f7b6d51bf99525eaa64769f6cb32188f084fe3ab10723",
		"c138e56f21cb2e9a9c3f6727d35b90e5971a91b5e49020ae98b4f97c8beb5551",
	),
	"Relance J+30 - Mise en demeure": (
		"f32de9800c9c4a01cc150e9e5c1d4e0ed3cc8d434847e4fdfb6bffa9f3b04e54",
		"821c66d12c05fb2772f67ddb503565851c8dabfc7f3a5215ed8e9bed403a848a",
		"428474bab13ced3c15d4bd692ebfc14cf6722435fddf939dd474d949c045709f",
		"a71dea7f3568e45c3c103f50417ca1ae38782a29b805a54671d529925f6a0966",
		"22c451ff72909a88eb50755b6771ee86b9dc8239961ada3ac1fcae3dd8098a54",
	),
	"Relance - Remerciement": ("bfb8939fa98c9477123091c1b97e3df86194c03bcb87655117251a44a2fe56d4",),
	"Dunning D-5 - Friendly reminder": (
		"ebe957af720681c798e3abbe7c459dc1d284adbe0251a6dd4f287b6e50965bcb",
		"d4045cfc642fb3af05405d38957821da818469c56c80c5cf240489241cd58423",
		"56312faaf51c3455881ab515dd214588982674369243ea73ead918733b05cebb",
		"27f49d7e3973870a2d20dc8835e64c6067f72e6c78134716184bd13519072069",
	),
	"Dunning D+5 - Overdue invoice": (
		"334c4ae9e9e0a02182307d780629506fb931d7bab99b54fd88e67c610e69972a",
		"66abd8505a7a1d8fc59ec5e2ed15bb774423260d44cffbdb25bfe98255b81183",
		"c7c45503ec877b049376fad877f91ec2329c21a7cb827d2fa439fc30e6a6af77",
		"9e89773e362d76c54183838c3b95f8958675973e243af9902c9bec19d5ce9796",
		"7138d85066b98b92c66453743ea84a4d04015107152b9f8b0927d7faf8975dc4",
	),
	"Dunning D+10 - Call summary": (
		"79b39b0d1f726cff1539c24ad579d57ce172457202ad182557c0f71bb3e856c0",
		"9b1529a98d6befddb4b365980f364e5030205a1653e7c456841e3bc2fa0b8874",
		"9fbb469268d54b9204a50dfa112fadb144d9280133c7d224a8282dc91b57ebd5",
		"36e7d92aa43217b85973cbe0d1a2f41c010063879d70eb4361ba092050a62e70",
		"10e0c69cc8ae5338857dfe0c8e3f3927046ecbb2c097adc0835bb57acd9886e2",
	),
	"Dunning D+30 - Formal notice": (
		"210076a19f0af1b239a96e3c735e2a4a63a3fbecef580741020a5a73678ec1de",
		"70730dcc4593dead5e887c5cd27ae83c0a684c8961ce59ef573c423fbc6ac22a",
		"f6548c5df56706fe345afaa07855de2c8fa044fd767d2081bec0e4271c08e06e",
		"2ac29de17db0252a210530077f9a48327280724da0d0bc48dc93b073926da3fa",
		"24d8c455e14c91b7d6bef8fbaaa2c6b6cb8579186174a660b37ca88ea56cf4c1",
	),
	"Dunning - Thank you": ("5cb8b1c6ccffefbb7b68565a812c395ee90c3e035ad140a187d8f1eb33b7b5de",),
}


def _read(file: str) -> str:
	return resources.files("relance_app.templates").joinpath("dunning", file).read_text("utf-8")


def inline_includes(text: str, depth: int = 0) -> str:
	"""Replace each ``{% include "partial" %}`` by the partial's text (partials may include others)."""
	if depth > 5:
		raise RecursionError("template includes nest too deep")
	return _INCLUDE.sub(lambda m: inline_includes(_read(m.group(1)), depth + 1).rstrip("\n"), text)
