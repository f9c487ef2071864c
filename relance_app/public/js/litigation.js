// Relance: take a customer's invoices whose formal notice has expired to the injonction de payer (litigation
// stage), from the customer or from one of its invoices.
frappe.provide("relance.litigation");
relance.litigation.start = (customer, company, frm, currency) => {
	frappe.confirm(
		__(
			"Take the invoices whose formal notice has expired to the injonction de payer? The dossier is prepared and attached to the customer."
		),
		() =>
			frappe
				.call({
					method: "relance_app.api.litigation.start_litigation",
					args: { customer, company },
					freeze: true,
				})
				.then(({ message: r }) => {
					if (!r) return;
					frappe.msgprint(
						__("Dossier prepared for the {0}: {1} invoices, {2}.", [
							r.court,
							r.invoices.length,
							format_currency(r.total, currency),
						])
					);
					frm && frm.reload_doc();
				})
	);
};
