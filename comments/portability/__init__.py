"""Moving in and out: importers, exports, a reader's personal data, and how long request facts
are kept."""
