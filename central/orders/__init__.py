"""Work orders on the platform: creation, intake, and handling through to closure (R7-R11).

Every change is one operation on one order: it moves the order (and its handling units' parts)
along the lifecycle of domain/workorder.py, writes the order's timeline and the change feed in the
same transaction, and answers with the whole order row.

- `payloads`: what each operation takes and which permission it needs
- `rows`: the order row, its one write path (`commit`), the units' parts, supervision records
- `intake`: a new order and the intake operations (accept, close, reject, transfer, dispatch)
- `lifecycle`: everything after dispatch, and `transition`, which applies any operation
- `reads`: the timeline, the lists worked from, the progress lookup

The operations as the mutations endpoint and the department simulator call them:
"""
from __future__ import annotations

from central.orders.intake import create
from central.orders.lifecycle import transition
from central.orders.payloads import parse_payload, permission
from central.orders.rows import find, view

__all__ = ["create", "find", "parse_payload", "permission", "transition", "view"]
