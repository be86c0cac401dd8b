"""Recording hours: one day, or a whole attendance list all or nothing."""
