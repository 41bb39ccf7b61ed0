//! Typed host-side bindings of the cart component's world, and `TestApp::cart()`, for
//! component unit tests (`tests/cart_component.rs`).

use crate::{TestApp, wasm};

commerce_host::wasmtime::component::bindgen!({
    path: "../wit",
    world: "cart-component",
    exports: { default: async },
    additional_derives: [PartialEq, Eq],
    wasmtime_crate: commerce_host::wasmtime,
});
pub use commerce::types::types::{FieldError, Money};
pub use exports::commerce::cart::cart::{
    Cart, CartKey, CartLimits, CheckoutHold, Error, Limit, LimitKind, Line, MergeSkip,
    MergeSkipReason, MergedCart, NewCart, VariantCheck,
};

/// What names a cart in a test: a guest token (`&str`, `&String`) or a [`CartKey`].
pub trait Key {
    fn key(self) -> CartKey;
}

impl Key for &str {
    fn key(self) -> CartKey {
        CartKey::Token(self.to_owned())
    }
}

impl Key for &String {
    fn key(self) -> CartKey {
        CartKey::Token(self.clone())
    }
}

impl Key for &CartKey {
    fn key(self) -> CartKey {
        self.clone()
    }
}

impl Key for CartKey {
    fn key(self) -> CartKey {
        self
    }
}

/// A customer's cart key.
pub fn customer(id: &str) -> CartKey {
    CartKey::Customer(id.to_owned())
}

impl TestApp {
    /// The cart component on its own, over this app's state, with the grants and variables
    /// of `cart-api`, which composes it (built by its build command). Each call of this is
    /// a fresh instance, as each Spin request is.
    pub async fn cart(&self) -> CartHandle {
        let mut lib = self
            .app
            .instantiate_library(&wasm("cart"), "cart-api")
            .await
            .expect("the cart component instantiates");
        let bindings = CartComponent::new(&mut lib.store, &lib.instance)
            .expect("the cart component exports its world");
        CartHandle { lib, bindings }
    }
}

/// A live cart component instance, with a method per export that panics on a trap and
/// returns the component's answer.
pub struct CartHandle {
    pub lib: commerce_host::LibraryInstance,
    pub bindings: CartComponent,
}

type CartResult<T> = Result<T, Error>;

impl CartHandle {
    pub async fn limits(&mut self) -> CartResult<CartLimits> {
        self.bindings
            .commerce_cart_cart()
            .call_limits(&mut self.lib.store)
            .await
            .expect("no trap")
    }

    pub async fn create_cart(&mut self, currency: &str) -> CartResult<NewCart> {
        self.bindings
            .commerce_cart_cart()
            .call_create_cart(&mut self.lib.store, &currency.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn get_cart(&mut self, key: impl Key) -> CartResult<Cart> {
        self.bindings
            .commerce_cart_cart()
            .call_get_cart(&mut self.lib.store, &key.key())
            .await
            .expect("no trap")
    }

    pub async fn add_line(
        &mut self,
        key: impl Key,
        variant: &VariantCheck,
        quantity: u32,
    ) -> CartResult<Cart> {
        self.bindings
            .commerce_cart_cart()
            .call_add_line(&mut self.lib.store, &key.key(), variant, quantity)
            .await
            .expect("no trap")
    }

    pub async fn set_quantity(
        &mut self,
        key: impl Key,
        line_id: &str,
        quantity: u32,
        variant: &VariantCheck,
    ) -> CartResult<Cart> {
        self.bindings
            .commerce_cart_cart()
            .call_set_quantity(
                &mut self.lib.store,
                &key.key(),
                &line_id.to_owned(),
                quantity,
                variant,
            )
            .await
            .expect("no trap")
    }

    pub async fn remove_line(&mut self, key: impl Key, line_id: &str) -> CartResult<Cart> {
        self.bindings
            .commerce_cart_cart()
            .call_remove_line(&mut self.lib.store, &key.key(), &line_id.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn delete_cart(&mut self, key: impl Key) -> CartResult<()> {
        self.bindings
            .commerce_cart_cart()
            .call_delete_cart(&mut self.lib.store, &key.key())
            .await
            .expect("no trap")
    }

    pub async fn begin_checkout(&mut self, key: impl Key, holder: &str) -> CartResult<Cart> {
        self.bindings
            .commerce_cart_cart()
            .call_begin_checkout(&mut self.lib.store, &key.key(), holder)
            .await
            .expect("no trap")
    }

    pub async fn abandon_checkout(&mut self, key: impl Key, holder: &str) -> CartResult<()> {
        self.bindings
            .commerce_cart_cart()
            .call_abandon_checkout(&mut self.lib.store, &key.key(), holder)
            .await
            .expect("no trap")
    }

    pub async fn complete_checkout(
        &mut self,
        key: impl Key,
        holder: &str,
        order_ref: &str,
    ) -> CartResult<Cart> {
        self.bindings
            .commerce_cart_cart()
            .call_complete_checkout(&mut self.lib.store, &key.key(), holder, order_ref)
            .await
            .expect("no trap")
    }

    pub async fn create_customer_cart(
        &mut self,
        customer: &str,
        currency: &str,
    ) -> CartResult<Cart> {
        self.bindings
            .commerce_cart_cart()
            .call_create_customer_cart(
                &mut self.lib.store,
                &customer.to_owned(),
                &currency.to_owned(),
            )
            .await
            .expect("no trap")
    }

    pub async fn merge_guest_cart(
        &mut self,
        guest: &str,
        customer: &str,
        variants: &[VariantCheck],
    ) -> CartResult<MergedCart> {
        self.bindings
            .commerce_cart_cart()
            .call_merge_guest_cart(
                &mut self.lib.store,
                &guest.to_owned(),
                &customer.to_owned(),
                variants,
            )
            .await
            .expect("no trap")
    }
}

/// A variant as the catalog would report it: published, priced in `prices` (currency,
/// amount).
pub fn variant(variant_id: &str, prices: &[(&str, i64)]) -> VariantCheck {
    VariantCheck {
        variant_id: variant_id.to_owned(),
        product_id: "prod_TEST".to_owned(),
        published: true,
        prices: prices
            .iter()
            .map(|(currency, amount)| Money {
                amount: *amount,
                currency: (*currency).to_owned(),
            })
            .collect(),
    }
}
