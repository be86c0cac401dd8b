"""The coordinator command layer: one parser and one access check for chat and shell."""
