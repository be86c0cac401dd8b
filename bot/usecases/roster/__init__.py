"""Projects, roles, activities and people: who and what is registered."""
