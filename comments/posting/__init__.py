"""What a reader does to a discussion (post, edit, delete, report) and who may do it."""
