//! Typed host-side bindings of the orders component's world, for component unit tests, and
//! `TestApp::orders()`: the component alone, called through its WIT exports.

use crate::{TestApp, build_library, wasm};

commerce_host::wasmtime::component::bindgen!({
    path: "../wit",
    world: "orders-component",
    exports: { default: async },
    additional_derives: [PartialEq, Eq],
    wasmtime_crate: commerce_host::wasmtime,
});
pub use commerce::types::types::{
    DiscountLine, FieldError, Money, PageInfo, PageRequest, TaxLine, TaxMode,
};
pub use exports::commerce::orders::orders::{
    Address, CreatedOrder, Error, Order, OrderLine, OrderPage, OrderRefund, OrderRefundStatus,
    OrderSnapshot, OrderStatus, OrderSummary, ShippingLine, Tracking, Transition,
};
pub use exports::commerce::orders::orders_admin::{
    NewOrderRefund, OrderEvent, OrderEventKind, OrderEventPage, OrderFilter,
};

impl TestApp {
    /// The orders component on its own, over this app's state. No HTTP component composes
    /// it yet, so it gets the grants of `products-api` (the default SQLite database), as
    /// the catalog and inventory do; each call is a fresh instance, as each Spin request is.
    pub async fn orders(&self) -> OrdersHandle {
        build_library("orders");
        let mut lib = self
            .app
            .instantiate_library(&wasm("orders"), "products-api")
            .await
            .expect("the orders component instantiates");
        let bindings = OrdersComponent::new(&mut lib.store, &lib.instance)
            .expect("the orders component exports its world");
        OrdersHandle { lib, bindings }
    }
}

/// A live orders component instance, with a method per export that panics on a trap and
/// returns the component's answer.
pub struct OrdersHandle {
    pub lib: commerce_host::LibraryInstance,
    pub bindings: OrdersComponent,
}

type OrdersResult<T> = Result<T, Error>;

impl OrdersHandle {
    pub async fn max_page_size(&mut self) -> u32 {
        self.bindings
            .commerce_orders_orders()
            .call_max_page_size(&mut self.lib.store)
            .await
            .expect("no trap")
    }

    pub async fn create_order(
        &mut self,
        key: &str,
        snapshot: &OrderSnapshot,
    ) -> OrdersResult<CreatedOrder> {
        self.bindings
            .commerce_orders_orders()
            .call_create_order(&mut self.lib.store, key, snapshot)
            .await
            .expect("no trap")
    }

    pub async fn get_guest_order(&mut self, number: u64, token: &str) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders()
            .call_get_guest_order(&mut self.lib.store, number, &token.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn get_customer_order(
        &mut self,
        customer_id: &str,
        number: u64,
    ) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders()
            .call_get_customer_order(&mut self.lib.store, &customer_id.to_owned(), number)
            .await
            .expect("no trap")
    }

    pub async fn list_customer_orders(
        &mut self,
        customer_id: &str,
        page: &PageRequest,
    ) -> OrdersResult<OrderPage> {
        self.bindings
            .commerce_orders_orders()
            .call_list_customer_orders(&mut self.lib.store, &customer_id.to_owned(), page)
            .await
            .expect("no trap")
    }

    pub async fn mark_paid(
        &mut self,
        order_id: &str,
        payment_id: &str,
        amount: &Money,
    ) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders()
            .call_mark_paid(
                &mut self.lib.store,
                &order_id.to_owned(),
                &payment_id.to_owned(),
                amount,
            )
            .await
            .expect("no trap")
    }

    pub async fn cancel_unpaid(&mut self, order_id: &str, reason: &str) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders()
            .call_cancel_unpaid(&mut self.lib.store, &order_id.to_owned(), reason)
            .await
            .expect("no trap")
    }

    pub async fn replace_reservation(
        &mut self,
        order_id: &str,
        previous: &str,
        next: &str,
    ) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders()
            .call_replace_reservation(
                &mut self.lib.store,
                &order_id.to_owned(),
                &previous.to_owned(),
                &next.to_owned(),
            )
            .await
            .expect("no trap")
    }

    pub async fn get_order(&mut self, order_id: &str) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_get_order(&mut self.lib.store, &order_id.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn get_order_by_number(&mut self, number: u64) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_get_order_by_number(&mut self.lib.store, number)
            .await
            .expect("no trap")
    }

    pub async fn list_orders(
        &mut self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> OrdersResult<OrderPage> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_list_orders(&mut self.lib.store, filter, page)
            .await
            .expect("no trap")
    }

    pub async fn list_order_events(
        &mut self,
        order_id: &str,
        page: &PageRequest,
    ) -> OrdersResult<OrderEventPage> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_list_order_events(&mut self.lib.store, &order_id.to_owned(), page)
            .await
            .expect("no trap")
    }

    pub async fn fulfil(&mut self, order_id: &str, actor: &str) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_fulfil(&mut self.lib.store, &order_id.to_owned(), actor)
            .await
            .expect("no trap")
    }

    pub async fn ship(
        &mut self,
        order_id: &str,
        tracking: Option<&Tracking>,
        actor: &str,
    ) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_ship(&mut self.lib.store, &order_id.to_owned(), tracking, actor)
            .await
            .expect("no trap")
    }

    pub async fn deliver(&mut self, order_id: &str, actor: &str) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_deliver(&mut self.lib.store, &order_id.to_owned(), actor)
            .await
            .expect("no trap")
    }

    pub async fn cancel(
        &mut self,
        order_id: &str,
        reason: &str,
        actor: &str,
    ) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_cancel(&mut self.lib.store, &order_id.to_owned(), reason, actor)
            .await
            .expect("no trap")
    }

    pub async fn record_refund(
        &mut self,
        order_id: &str,
        refund: &NewOrderRefund,
    ) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_record_refund(&mut self.lib.store, &order_id.to_owned(), refund)
            .await
            .expect("no trap")
    }

    pub async fn settle_refund(
        &mut self,
        order_id: &str,
        refund_id: &str,
        outcome: OrderRefundStatus,
        actor: &str,
    ) -> OrdersResult<Order> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_settle_refund(
                &mut self.lib.store,
                &order_id.to_owned(),
                &refund_id.to_owned(),
                outcome,
                actor,
            )
            .await
            .expect("no trap")
    }

    pub async fn add_note(&mut self, order_id: &str, note: &str, actor: &str) -> OrdersResult<()> {
        self.bindings
            .commerce_orders_orders_admin()
            .call_add_note(&mut self.lib.store, &order_id.to_owned(), note, actor)
            .await
            .expect("no trap")
    }

    /// Every event of an order's history, oldest first, panicking if refused.
    pub async fn history(&mut self, order_id: &str) -> Vec<OrderEvent> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .list_order_events(order_id, &PageRequest { after, limit: 100 })
                .await
                .unwrap_or_else(|e| panic!("list-order-events refused: {e:?}"));
            out.extend(page.items);
            match page.page.next {
                Some(next) => after = Some(next),
                None => return out,
            }
        }
    }
}
