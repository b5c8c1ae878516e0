"""Work orders from the agent's side: every action is recorded locally with its outbox mutation
and goes to the platform when the link allows. An order made offline gets a provisional number."""
from __future__ import annotations

import sqlite3

from domain import clock
from domain.numbers import is_provisional_number
from domain.workorder import (
    INTAKE_OPERATIONS,
    LIFECYCLE_OPERATIONS,
    WorkOrderStatus,
    check_transition,
    transfer_status,
)
from offline_cache import workorders
from workstation.sync import SyncService


class OrderService:
    def __init__(self, sync: SyncService, seat: str) -> None:
        self.sync, self.seat = sync, seat

    async def create(self, fields: dict, then: tuple[str, dict] | None = None) -> str:
        """Record a new accepted order (and optionally its intake action at once); return the
        provisional number it is known by until the platform's number arrives."""
        holder: dict[str, str] = {}

        def local(conn: sqlite3.Connection) -> None:
            number = workorders.next_provisional_number(conn, self.seat)
            holder["number"] = number
            workorders.insert_local(conn, {
                "number": number, "client_ref": number, "caller_phone": fields["caller_phone"],
                "created_at": clock.stamp(), "request_type": fields["request_type"],
                "category_id": fields["category_id"], "status": str(WorkOrderStatus.accepted),
                "title": fields["title"]})
            fields["client_ref"] = number

        # the provisional number goes into the payload, so it is made inside the transaction
        await self.sync.record("work_order", "create", fields, local_change=local)
        number = holder["number"]
        if then is not None:
            await self.act(number, *then)
        return number

    def platform_number(self, key: str) -> str | None:
        """The platform's number of an order this seat made (known by its provisional number),
        None while the platform has not numbered it."""
        number = workorders.resolve(self.sync.store.conn, key)
        return None if is_provisional_number(number) else number

    async def act(self, key: str, op: str, payload: dict) -> None:
        """An intake action (or the merge of a repeat request) on an order known by its number or
        provisional number."""
        target = INTAKE_OPERATIONS.get(op) or LIFECYCLE_OPERATIONS[op]
        assert target is not None, op
        if op == "transfer":  # to a partner platform it waits for the result; to 110 it ends
            row = self.sync.store.conn.execute("SELECT kind FROM handling_units WHERE id = ?",
                                               (payload.get("target_unit_id"),)).fetchone()
            target = transfer_status(row[0] if row else "")
        current = workorders.find(self.sync.store.conn, key)
        if current is not None:
            check_transition(WorkOrderStatus(current["status"]), target)

        def local(conn: sqlite3.Connection) -> None:
            if workorders.find(conn, key) is not None:
                workorders.update_local(conn, key, status=str(target))

        await self.sync.record("work_order", op, payload, entity_id=key, local_change=local)
