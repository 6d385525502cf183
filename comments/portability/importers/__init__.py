"""Moving in: discussions from WordPress (WXR) and Disqus exports."""
