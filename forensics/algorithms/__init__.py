"""Pure functions over arrays and bytes, one method (and its paper) per module; no I/O, no globals.

Inputs are trusted: the analyser that calls an algorithm checks that the media suits it (and raises
``NotApplicable`` with the reason when it does not), as plaso's parsers do before handing data to a plugin. Parsers
of untrusted bytes (``exif``, ``xmp``, ``jpeg_structure``, ``png_chunks``, ``photoshop_irb``, ``icc``) are the
exception: they accept any bytes and report what they could not read instead of raising.
"""
