"""A discussion as readers see it: who is reading and which comments are theirs, the read
queries, where a comment goes in its thread, Markdown and thread HTML, labels and the filter
by label, the article's change log of corrections, the article page's context, feeds, and
realistic discussions for demos."""
