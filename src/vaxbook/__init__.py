"""vaxbook: vaccination pre-reservation that keeps working under a national rush."""
