"""Privacy by design: customer IDs replaced by keyed pseudonyms in what the tool writes."""
