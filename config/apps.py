from django.contrib.admin.apps import AdminConfig


class SiteAdminConfig(AdminConfig):
    """Django's admin, served by a site that insists on two-factor authentication for staff."""

    default_site = "config.staff_mfa.StaffAdminSite"
