"""Whitelisted methods behind the desk's screens, one module per screen; each checks permission first."""
