"""Pure functions over arrays and bytes, one method (and its paper) per module; no I/O, no globals."""
