"""Composition roots: settings in, adapters built and joined once, programs run."""
