"""`{% site_url %}` (articles/templatetags/site_links.py): the layout's links, reversed once."""

import pytest
from django.template import Context, Template
from django.urls import clear_script_prefix, reverse, set_script_prefix

from articles.templatetags import site_links

LAYOUT_NAMES = ["articles:home", "comments:latest", "account_login", "admin:index", "sitemap"]


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_site_url_is_the_reversed_url(name):
    rendered = Template(f"{{% load site_links %}}{{% site_url '{name}' %}}").render(Context())
    assert rendered == reverse(name)


def test_each_script_prefix_gets_its_own_links():
    site_links._reversed.cache_clear()
    try:
        set_script_prefix("/analysis/")
        assert site_links.site_url("articles:home") == "/analysis/"
    finally:
        clear_script_prefix()
    assert site_links.site_url("articles:home") == "/"


def test_a_page_outside_a_request_still_links_home():
    html = Template('{% extends "403_csrf.html" %}').render(Context({}))
    assert f'href="{reverse("articles:topic_list")}"' in html
