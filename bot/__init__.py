"""timesign core: domain rules and use-cases, free of vendor libraries."""
