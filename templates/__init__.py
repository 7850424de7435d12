"""Report templates, stylesheet and bundled fonts (installed as ``forensics.templates``)."""
