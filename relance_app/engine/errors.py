class EngineError(ValueError):
	"""An input the engine cannot accept; `template` is translatable, `params` fill it."""

	def __init__(self, template: str, **params: object) -> None:
		self.template = template
		self.params = params
		super().__init__(template.format(**params))


def N_(message: str) -> str:
	"""Mark an engine message for translation extraction; the Frappe layer translates it when shown."""
	return message
