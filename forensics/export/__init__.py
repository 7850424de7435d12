"""Other formats of a case's results and custody log (CASE/UCO JSON-LD), read-only over the case."""
