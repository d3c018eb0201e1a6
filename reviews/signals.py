"""What reviews announces to the apps above it (badges), which receive it in their
`AppConfig.ready()`. A receiver only calls its own app's service: the rule stays there.

Both are sent with `send()`, so a receiver's error reaches the sender, and inside the sender's
transaction where it has one."""

from django.dispatch import Signal

# A verification run ended, whatever the way (passed, failed, errored, cancelled, timed out),
# after its end and notifications committed. Sent with `run` (target and integration loaded).
run_finished = Signal()

# A target that was an integration's evidence target was deleted (archived), inside the
# transaction that deleted it. Sent with `integration` (its row locked).
evidence_target_archived = Signal()
