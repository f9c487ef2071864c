"""The injonction de payer: after the mise en demeure, the court request and its pieces (CPC 1405 and following)."""
