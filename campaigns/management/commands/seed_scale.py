from django.core.management.base import BaseCommand, CommandError

from campaigns.seeding.scale import SCALE_CAMPAIGN_NAME, ScaleSeedError, seed_scale


class Command(BaseCommand):
    help = (
        "Build a large, deterministic data set for measuring the coverage pages: events, "
        "audience counts and SCALE- org units on top of load_seeds. Replaces the previous one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=100_000, help="Events to build.")
        parser.add_argument("--seed", type=int, default=315, help="Same seed, same data.")
        parser.add_argument(
            "--units", type=int, default=2000, help="Org units wanted in total, existing included."
        )
        parser.add_argument(
            "--campaign",
            default=SCALE_CAMPAIGN_NAME,
            help="Name of the campaign the events go into (created if missing).",
        )

    def handle(self, *args, events, seed, units, campaign, **options):
        try:
            report = seed_scale(
                events=events,
                seed=seed,
                units=units,
                campaign_name=campaign,
                progress=self.stdout.write,
            )
        except ScaleSeedError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"seed_scale: {report.summary()}"))
