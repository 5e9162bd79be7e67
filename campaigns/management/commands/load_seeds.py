from django.conf import settings
from django.core.management.base import BaseCommand

from campaigns.seeding.seeds import seeds_load


class Command(BaseCommand):
    help = (
        "Load the seed data in seeds/ (regions, org units, the 2025 campaign, demo users). "
        "Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-users",
            action="store_true",
            default=None,
            help="Create the demo users (default: only when DEBUG is on).",
        )
        parser.add_argument("--no-demo-users", action="store_false", dest="demo_users")

    def handle(self, *args, demo_users, **options):
        if demo_users is None:
            demo_users = settings.DEBUG
        report = seeds_load(demo_users=demo_users)
        for name, count in report.counts.items():
            self.stdout.write(f"{name:>32}: {count}")
        if report.demo_users:
            self.stdout.write(
                self.style.SUCCESS(f"\nDemo users (password for all: {report.demo_password}):")
            )
            for username, unit, role in report.demo_users:
                self.stdout.write(f"  {username:<16} {role:<14} {unit}")
