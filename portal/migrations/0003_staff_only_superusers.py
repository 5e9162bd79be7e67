from django.db import migrations


def staff_status_only_for_superusers(apps, schema_editor):
    # Django's admin now opens to superusers only (portal/admin_site.py). Staff status was
    # given to the administrators of org units so that they reached it; it means nothing
    # else in the portal, and left in place it would open the admin again the day someone
    # relaxes the site's check.
    User = apps.get_model("portal", "User")
    User.objects.filter(is_staff=True, is_superuser=False).update(is_staff=False)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_api_tokens"),
    ]

    operations = [
        migrations.RunPython(staff_status_only_for_superusers, migrations.RunPython.noop),
    ]
