"""All SQL: the store, the two database backends and the numbered migrations."""
