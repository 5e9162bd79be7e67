from django.core.management.base import BaseCommand

from campaigns.printing.fonts import PARTS, WEIGHTS, font_copy


class Command(BaseCommand):
    help = (
        "Make this machine's cut-down copies of the Chinese print fonts now, so that the "
        "first print run ordered does not wait for them. Run it on every machine that renders "
        "handouts, after each deployment (copies already made are kept)."
    )

    def handle(self, *args, **options):
        for part in PARTS:
            for weight in WEIGHTS:
                copy = font_copy(weight, part)
                if copy is None:
                    self.stderr.write(
                        f"{part.family} {weight}: the source font is not installed; "
                        "handouts use the fallback fonts"
                    )
                else:
                    self.stdout.write(f"{part.family} {weight}: {copy}")
