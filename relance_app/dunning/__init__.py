"""The daily escalation and its effects: selection, the run, evidence (contact log), channels, mirrors,
closing on payment, digest and preview."""
