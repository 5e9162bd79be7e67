from django.core.management.base import BaseCommand
from django.utils import timezone

from campaigns.services.retention import retention_purge


class Command(BaseCommand):
    help = (
        "Delete what has outlived its retention period (finished jobs' files, sign-ins), as "
        "the daily scheduled task does; each purge leaves an audit entry with its count."
    )

    def handle(self, *args, **options):
        for model, count in retention_purge(now=timezone.now()).items():
            self.stdout.write(f"{model:>24}: {count} deleted")
