"""Seal the contact-log entries that were final before the evidence register existed, oldest first.

Their hashes attest the state they had at the upgrade, not at the time they were made: what happened to
them before it is only in their Version trail.
"""

from relance_app.dunning.register import seal_pending


def execute():
	seal_pending()
