"""`{% site_url "articles:home" %}`: `{% url %}` for the pages every layout links to, reversed
once per name and script prefix rather than on every page. The layout names about fifteen of
them, and reversing them was a measurable part of each render. Names without arguments only."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()


@register.simple_tag
def site_url(name: str) -> str:
    return _reversed(get_script_prefix(), name)


@lru_cache(maxsize=256)
def _reversed(script_prefix: str, name: str) -> str:
    return reverse(name)
