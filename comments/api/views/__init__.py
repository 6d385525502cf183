"""The discussion over REST: read and sync threads, write through the same services as the
site's form, and moderate through the same transitions as the admin."""
