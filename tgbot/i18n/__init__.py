"""Languages: translators, catalogs and the campaign file's extractor for Babel."""
