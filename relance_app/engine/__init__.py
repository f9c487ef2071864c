"""The pure dunning engine: policies, daily plans, French late-payment law and rendering.

Nothing below this package may import frappe or erpnext (tests/test_engine_purity.py enforces it), so the
whole domain runs and is tested on any machine. The Frappe layer reads ERPNext data, hands it to these
functions and performs the effects they decide.
"""
