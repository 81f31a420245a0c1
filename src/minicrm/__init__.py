"""minicrm: a local-first command-line CRM.

Layers point one way: cli -> services -> store. See docs/architecture.md.
"""

__version__ = "0.1.0"
