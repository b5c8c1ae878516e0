"""The reference central hotline platform: HTTP API and event stream over a real database."""
