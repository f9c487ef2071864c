"""Names shared by every domain of the Frappe layer: contact-log statuses and types, channel labels."""

from __future__ import annotations

from relance_app.engine.policy import Channel

# Contact-log statuses of a contact actually made (a step sent, a call done).
DONE_STATUSES = ("Sent", "Done")
# Automatic steps in these statuses count as taken for the ladder (Cancelled: skipped on purpose,
# e.g. an SMS level for a customer without a mobile number).
STEP_TAKEN_STATUSES = ("Sent", "Done", "Cancelled")
# The Dunning Type value of a formal notice (mise en demeure): its Dunnings follow French law.
FORMAL_NOTICE_DUNNING_TYPE = "Mise en demeure"
# Sales Invoice dunning statuses of an invoice that is being dunned.
DUNNED_STATUSES = ("Active", "Paused", "Promise", "Disputed", "Formal Notice")

# The contact-log entry type each channel writes.
ENTRY_TYPES = {
	Channel.EMAIL: "Reminder Email",
	Channel.SMS: "SMS",
	Channel.CALL: "Call",
	Channel.LETTER: "Letter",
	Channel.REGISTERED_LETTER: "Registered Letter",
}
# The contact-log entry type of a payment default declared to a credit insurer (menace de sinistre).
INSURER_DECLARATION = "Insurer Declaration"
# Contact-log rows that record something other than an exchange with the customer: they are never its "last
# contact" (a note, a bounce, a payment, the court and handover stages, the declaration to the insurer...).
NOT_CONTACTS = (
	"Note",
	"Bounce",
	"Payment Received",
	"Litigation",
	"Handover",
	INSURER_DECLARATION,
	"Assigned to Factor",
	"Correction",
)
# Contact-log rows that are reminders (the formal notice recalls them).
REMINDER_ENTRY_TYPES = tuple(ENTRY_TYPES.values())

# Engine channel codes -> the Dunning Level "channel" options shown in the desk (untranslated values).
CHANNEL_LABELS = {
	Channel.EMAIL.value: "Email",
	Channel.SMS.value: "SMS",
	Channel.CALL.value: "Phone Call",
	Channel.LETTER.value: "Letter",
	Channel.REGISTERED_LETTER.value: "Registered Letter",
}
