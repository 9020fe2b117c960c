from django.db import models


class Practice(models.Model):
    """The tenant. Every clinical row carries its practice and no query crosses practices."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)
    # The practice's own alliance cut-off on the check-in's 0-90 total; empty means the
    # instrument's default (72). Alliance ratings crowd the top of the scale, so a practice may
    # set the line where its clients' scores start to be worth talking about.
    alliance_cutoff = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class PracticeQuerySet(models.QuerySet):
    def for_practice(self, practice):
        """The one way selectors start a query over clinical rows."""
        return self.filter(practice=practice)


class PracticeScoped(models.Model):
    """Base for every clinical table: the practice is required and indexed."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")

    objects = PracticeQuerySet.as_manager()

    class Meta:
        abstract = True
