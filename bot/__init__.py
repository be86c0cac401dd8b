"""timesign: the core, its use-cases, the command layer and the composition roots.

The folders are the layers (docs/ARCHITECTURE.md draws them): ``core`` is pure,
``usecases`` are transaction scripts over ``storage``, ``commands`` is the coordinator
command layer, ``roots`` builds and joins the adapters. ``tests/test_layers.py`` keeps
imports pointing down.
"""
