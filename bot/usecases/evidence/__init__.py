"""Evidence: sealing keys, checking signatures wherever they are shown."""
