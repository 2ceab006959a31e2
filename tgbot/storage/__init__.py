"""All SQL: the store (one part per aggregate), the two database backends, the migrations."""
