"""Rendering of results and custody data into the HTML/PDF report (``forensics.report.render``)."""
