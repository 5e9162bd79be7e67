"""The one way a model with a ``Status`` and a ``TRANSITIONS`` table changes its status."""

from campaigns.errors import InvalidTransition


class StatusMachine:
    """Mixed into a model whose ``TRANSITIONS`` maps each status to those it may become.

    ``TRANSITION_REFUSED`` is the model's own message, with ``%(current)s`` and ``%(target)s``.
    """

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    def transition(self, *, to: str) -> None:
        """Move to ``to`` in memory, or raise InvalidTransition; the caller saves."""
        if not self.can_move_to(to):
            raise InvalidTransition(
                self.TRANSITION_REFUSED
                % {"current": self.get_status_display(), "target": self.Status(to).label},
                code="invalid_transition",
            )
        self.status = to
