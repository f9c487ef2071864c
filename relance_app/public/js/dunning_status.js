// The colour of each Sales Invoice dunning status, defined once for the form and the list (hooks.py loads this
// file before each of them).
frappe.provide("relance");

relance.STATUS_COLORS = {
	"Not Started": "gray",
	Active: "orange",
	Paused: "blue",
	Promise: "blue",
	Disputed: "purple",
	"Needs Attention": "red",
	"Formal Notice": "red",
	Litigation: "darkgrey",
	Closed: "green",
};
