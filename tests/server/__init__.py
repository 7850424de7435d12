"""The web page: a real server over HTTP, and in a browser."""
