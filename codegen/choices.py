from django.db import models


class ValidationStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    VALID = "VALID", "Valid"
    SYNTAX_ERROR = "SYNTAX_ERROR", "Syntax error"
    SECURITY_ERROR = "SECURITY_ERROR", "Security error"
    FLOW_ERROR = "FLOW_ERROR", "Flow error"
