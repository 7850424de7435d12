"""The web page (``forensics serve``): routes and access control, accounts and audit log, analyses in workers."""
