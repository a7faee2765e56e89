"""Building small plants for tests through the real services (no shortcuts into the tables)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from app.services import admin, inventory
from app.services.catalog import boms, items
from app.services.catalog.boms import BomLineSpec
from app.services.engine.uow import UnitOfWork
from app.services.inventory import StockPosition
from app.services.production import work_orders
from app.services.production.work_orders import WorkOrderInfo, WorkOrderLineInfo


def D(value: str | int) -> Decimal:
    return Decimal(str(value))


class Plant:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def item(
        self,
        sku: str,
        item_type: str = "inventory",
        cost: str = "1",
        *,
        build_point: str | None = None,
        preferred_stock: str | None = None,
        uom: str = "ea",
    ) -> str:
        items.save_item(
            self.uow,
            items.item_spec(
                sku=sku,
                name=sku.title(),
                item_type=item_type,
                uom=uom,
                standard_cost=cost,
                build_point=build_point,
                preferred_stock=preferred_stock,
            ),
        )
        return sku

    def bom(
        self,
        assembly: str,
        components: Mapping[str, str | int],
        *,
        no_backflush: tuple[str, ...] = (),
        revision: str | None = None,
        activate: bool = True,
    ) -> boms.BomInfo:
        return boms.save_bom(
            self.uow,
            assembly,
            [BomLineSpec(sku, D(q), sku not in no_backflush) for sku, q in components.items()],
            revision=revision,
            activate=activate,
        )

    def stock(self, sku: str, quantity: str | int, location: str | None = None) -> None:
        inventory.adjust_stock(self.uow, sku, str(quantity), location=location)

    def wo(self, item: str, quantity: str | int, status: str = "released", **kw: object) -> str:
        return work_orders.create_work_order(
            self.uow,
            item,
            str(quantity),
            status=status,
            **kw,  # type: ignore[arg-type]
        ).number

    def pref(self, key: str, value: str) -> None:
        admin.set_preference(self.uow, key, value)

    def show(self, number: str) -> WorkOrderInfo:
        return work_orders.get_work_order(self.uow, number)

    def line(self, number: str, sku: str) -> WorkOrderLineInfo:
        return next(ln for ln in self.show(number).lines if ln.sku == sku)

    def position(self, sku: str, location: str | None = None) -> StockPosition:
        return inventory.stock_position(self.uow, sku, location)

    def on_hand(self, sku: str, location: str | None = None) -> Decimal:
        return self.position(sku, location).on_hand

    def bicycles(self) -> None:
        """DOMAIN.md's bicycle: 1 frame, 2 wheels, 1 handlebar, 1 saddle, 1 chain, 1 brake kit."""
        for sku, cost in (
            ("FRAME", "80"),
            ("WHEEL", "30"),
            ("HANDLEBAR", "10"),
            ("SADDLE", "15"),
            ("CHAIN", "6"),
            ("BRAKE-KIT", "20"),
        ):
            self.item(sku, cost=cost)
        self.item("BIKE", "assembly", "250")
        self.bom(
            "BIKE",
            {"FRAME": 1, "WHEEL": 2, "HANDLEBAR": 1, "SADDLE": 1, "CHAIN": 1, "BRAKE-KIT": 1},
        )
