"""A discussion as readers see it: who is reading and which comments are theirs, the read
queries, where a comment goes in its thread, Markdown and thread HTML, the article page's
context, feeds, and realistic discussions for demos."""
