"""An admission queue that counts the slots it gave, for tests of when a slot is taken."""

from typing import Any

from app.db.admission import Admission


class CountedAdmission(Admission):
    """An admission queue that counts the slots it gave."""

    def __init__(self, slots: int, **limits: Any) -> None:
        super().__init__(slots, **limits)
        self.given = 0

    async def acquire(self) -> None:
        await super().acquire()
        self.given += 1
