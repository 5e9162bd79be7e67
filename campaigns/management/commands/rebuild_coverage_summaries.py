from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from campaigns.services.coverage import coverage_summaries_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the coverage summaries from the events, of every campaign or of one. "
        "Safe to run again: the result depends on the events only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, help="Only this campaign (its id).")

    def handle(self, *args, campaign=None, **options):
        if campaign is not None and not Campaign.objects.filter(pk=campaign).exists():
            raise CommandError(f"No campaign with id {campaign}.")
        rows = coverage_summaries_rebuild(campaign_id=campaign)
        self.stdout.write(self.style.SUCCESS(f"coverage summaries rebuilt: {rows} rows"))
