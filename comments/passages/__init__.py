"""Comments on a passage of an article: the anchor that says which words a comment answers,
and how anchors find their words again when the article is revised.

An anchor is a text quote (the exact words, up to 32 characters before and after) and its
offsets in the plain text of the revision the reader was reading, as W3C Web Annotation's
TextQuoteSelector and TextPositionSelector, and as Hypothesis anchors annotations.
"""
