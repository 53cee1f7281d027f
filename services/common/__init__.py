"""Infrastructure code the services share (settings loading, logging, schema migrations).

Not a contract: message and topology contracts live in ``shared/``.
"""
