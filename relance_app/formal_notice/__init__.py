"""The mise en demeure: an ERPNext Dunning at French-law amounts, its letter, and the invoice of its penalties."""
