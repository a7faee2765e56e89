"""A small plant with customers, vendors and orders, built through the real services."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from app.services.orders import fulfillment, partners, purchasing, sales
from app.services.orders.fulfillment import FulfillmentInfo
from app.services.orders.purchasing import PurchaseOrderInfo
from app.services.orders.sales import SalesOrderInfo, SalesOrderLineInfo
from tests.plant import Plant


class OrderPlant(Plant):
    """A plant with a bottling line: CASE-12 (12 bottles and caps) is made to order or from
    stock; RACK is drop-shipped by its vendor; GIFT-BOX is a kit of a case and a rack."""

    def setup(self) -> OrderPlant:
        self.item("BOTTLE", cost="0.5")
        self.item("CAP", cost="0.05")
        self.item("CASE-12", "assembly", cost="8", uom="case")
        self.bom("CASE-12", {"BOTTLE": 12, "CAP": 12})
        self.item("RACK", cost="40")
        self.item("LABEL", cost="0.01")
        self.item("SERVICE", "service", cost="0")
        self.item("GIFT-BOX", "kit", cost="0")
        self.bom("GIFT-BOX", {"CASE-12": 1, "LABEL": 2})
        partners.add_vendor(self.uow, "Rack Supply Co", address="1 Steel Rd\\nGary, IN")
        partners.add_vendor(self.uow, "Glass Works", address="9 Kiln St")
        partners.set_purchasing(self.uow, "RACK", vendor="Rack Supply Co", price="25")
        partners.set_purchasing(self.uow, "BOTTLE", vendor="Glass Works", price="0.4")
        partners.add_customer(
            self.uow, "Harbor Cycles", ship_to="12 Pier St\\nPortland, OR", priority="3"
        )
        partners.add_customer(self.uow, "Lakeside Foods", ship_to="4 Shore Rd", priority="5")
        return self

    def so(
        self,
        customer: str,
        *lines: tuple[str, object] | tuple[str, object, str] | tuple[str, object, str, str],
        **kw: object,
    ) -> SalesOrderInfo:
        entries = [sales.LineEntry(*line) for line in lines]  # type: ignore[arg-type]
        return sales.create_sales_order(self.uow, customer, entries, **kw)  # type: ignore[arg-type]

    def show_so(self, number: str) -> SalesOrderInfo:
        return sales.get_sales_order(self.uow, number)

    def so_line(self, number: str, line: str) -> SalesOrderLineInfo:
        return next(ln for ln in self.show_so(number).lines if ln.line == line)

    def pick(self, number: str, lines: Mapping[str, object] | None = None) -> FulfillmentInfo:
        return fulfillment.fulfill(self.uow, number, lines)

    def ship(self, fulfillment_number: str) -> FulfillmentInfo:
        return fulfillment.ship_fulfillment(self.uow, fulfillment_number)

    def po(self, vendor: str, *lines: tuple[str, object]) -> PurchaseOrderInfo:
        return purchasing.create_purchase_order(
            self.uow, vendor, [purchasing.OrderedLine(sku, str(q)) for sku, q in lines]
        )

    def committed(self, number: str, line: str = "1") -> Decimal:
        return self.so_line(number, line).committed
