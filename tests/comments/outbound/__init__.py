import pytest

# The shared helpers assert too: rewrite them so a failure shows its values, as in a test.
pytest.register_assert_rewrite("tests.comments.outbound.helpers")
