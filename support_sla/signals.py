"""What support_sla announces to the apps above it (badges), which receive it in their
`AppConfig.ready()`. A receiver only calls its own app's service: the rule stays there."""

from django.dispatch import Signal

# An integration's support standing changed (good, at_risk, failing), inside the transaction
# that stored it. Sent with `integration` and `standing`.
standing_changed = Signal()
