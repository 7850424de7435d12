"""Data tables shipped with the package (each with the command that rebuilds it)."""
