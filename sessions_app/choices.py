from django.db import models


class SessionType(models.TextChoices):
    DRAFT = "DRAFT", "Draft"
    AUTOSAVE = "AUTOSAVE", "Autosave"
    COLLABORATIVE = "COLLABORATIVE", "Collaborative"
