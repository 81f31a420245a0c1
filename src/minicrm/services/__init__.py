"""Use cases and business rules, one module per aggregate.

Each function takes the store (and an explicit ``now`` where time matters),
checks its input, and returns models; nothing here prints, reads the clock or
the environment. Modules are imported by name (``from minicrm.services import
contacts``), never all at once, so that a command loads only what it uses.
"""
