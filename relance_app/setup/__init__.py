"""Install, uninstall and upgrade: custom fields, shipped templates, rates and default policies."""
