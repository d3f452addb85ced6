"""Metergraph's use cases: one module per capability.

Each public function is one command or query of the product. It takes what
it needs (the runtime's pool, settings, a clock), owns its transaction, and
returns domain values. Services call repositories in ``storage`` and pure
rules in ``domain``; the API, the jobs and the CLI call services.
"""
