"""French-law late-payment penalties on ERPNext invoices: Payment Ledger -> instalment terms -> engine.law."""
