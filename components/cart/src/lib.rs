//! The cart capability component: the glue between the WIT export `commerce:cart/cart` and
//! the cart's rules ([`validate`]) and tables ([`store`], [`schema`]).
//!
//! The cart imports nothing but Spin and WASI: its caller reads the catalog and passes the
//! variant as it found it (`variant-check`); see "Who checks what" in `wit/deps/cart/cart.wit`.
//! Every Spin request gets a fresh instance and the SQLite database is shared, so nothing
//! here keeps state between calls.

mod schema;
mod store;
mod validate;

/// The generated WIT bindings. Their ABI glue is `unsafe` by nature; nothing else is.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "cart-component",
        with: { "commerce:types/types@0.1.0": commerce_types::types },
    });

    use super::Component;
    export!(Component);
}

pub(crate) use bindings::exports;

use capability_kit::{clock, ids};
use commerce_types::types::FieldError;
use exports::commerce::cart::cart::{
    Cart, CartKey, CartLimits, Error, Guest, MergedCart, NewCart, VariantCheck,
};
use store::Key;

pub(crate) const CART_PREFIX: &str = "cart";
pub(crate) const LINE_PREFIX: &str = "line";
/// The prefix of the customer ids `cart-key.customer` carries (identity's).
const CUSTOMER_PREFIX: &str = "cus";

struct Component;

impl From<spin_sdk::sqlite::Error> for Error {
    fn from(e: spin_sdk::sqlite::Error) -> Self {
        Error::Storage(format!("cart sqlite: {e}"))
    }
}

pub(crate) fn invalid(errors: Vec<(String, String)>) -> Error {
    Error::InvalidInput(
        errors
            .into_iter()
            .map(|(path, message)| FieldError { path, message })
            .collect(),
    )
}

fn check(errors: Vec<(String, String)>) -> Result<(), Error> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(errors))
    }
}

/// The idle time from the Spin variable (the default when the component has none).
fn idle_ttl_seconds() -> Result<u32, Error> {
    let value = capability_kit::config::variable(validate::TTL_VARIABLE).map_err(Error::Other)?;
    validate::idle_ttl(value.as_deref()).map_err(Error::Other)
}

/// Now and the idle time, for one call.
fn clock() -> Result<store::Clock, Error> {
    Ok(store::Clock {
        now: clock::now_ms(),
        ttl_ms: i64::from(idle_ttl_seconds()?) * 1000,
    })
}

/// The token's hash, or `not-found` without a lookup when it is not shaped like a token.
fn token_hash(token: &str) -> Result<String, Error> {
    if validate::is_token(token) {
        Ok(validate::token_hash(token))
    } else {
        Err(Error::NotFound)
    }
}

/// The customer id, or `invalid-input` (path `/customer_id`) when malformed.
fn customer_id(id: String) -> Result<String, Error> {
    if ids::is_id_of(&id, CUSTOMER_PREFIX) {
        Ok(id)
    } else {
        Err(invalid(vec![(
            "/customer_id".into(),
            format!("must be a customer id ({CUSTOMER_PREFIX}_…)"),
        )]))
    }
}

/// The store's key: `not-found` for a token not shaped like one, `invalid-input` for a
/// malformed customer id.
fn key(key: CartKey) -> Result<Key, Error> {
    match key {
        CartKey::Token(token) => token_hash(&token).map(Key::Token),
        CartKey::Customer(id) => customer_id(id).map(Key::Customer),
    }
}

/// As [`key`], but `None` for a token not shaped like one: calls that succeed on an unknown
/// cart (`delete-cart`, `abandon-checkout`) need no lookup then.
fn key_if_any(cart: CartKey) -> Result<Option<Key>, Error> {
    match key(cart) {
        Ok(key) => Ok(Some(key)),
        Err(Error::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Guest for Component {
    fn limits() -> Result<CartLimits, Error> {
        Ok(CartLimits {
            max_line_quantity: validate::MAX_LINE_QUANTITY,
            max_cart_quantity: validate::MAX_CART_QUANTITY,
            max_lines: validate::MAX_LINES,
            idle_ttl_seconds: idle_ttl_seconds()?,
        })
    }

    fn create_cart(currency: String) -> Result<NewCart, Error> {
        check(validate::new_cart(&currency))?;
        let clock = clock()?;
        let token = validate::new_token();
        let cart = store::Store::open()?.create(&currency, &validate::token_hash(&token), clock)?;
        Ok(NewCart { token, cart })
    }

    fn get_cart(cart: CartKey) -> Result<Cart, Error> {
        let key = key(cart)?;
        let clock = clock()?;
        store::Store::open()?.get(&key, clock)
    }

    fn add_line(cart: CartKey, variant: VariantCheck, quantity: u32) -> Result<Cart, Error> {
        let key = key(cart)?;
        check(validate::add_line(&variant, quantity))?;
        let clock = clock()?;
        store::Store::open()?.with_cart(&key, clock, |conn, cart| {
            store::add_line(conn, cart, &variant, quantity, clock.now)
        })
    }

    fn set_quantity(
        cart: CartKey,
        line_id: String,
        quantity: u32,
        variant: VariantCheck,
    ) -> Result<Cart, Error> {
        let key = key(cart)?;
        check(validate::set_quantity(&variant))?;
        let clock = clock()?;
        let line_shaped = ids::is_id_of(&line_id, LINE_PREFIX);
        store::Store::open()?.with_cart(&key, clock, |conn, cart| {
            if !line_shaped {
                return Err(Error::NotFound);
            }
            store::set_quantity(conn, cart, &line_id, quantity, &variant, clock.now)
        })
    }

    fn remove_line(cart: CartKey, line_id: String) -> Result<Cart, Error> {
        let key = key(cart)?;
        let clock = clock()?;
        store::Store::open()?.with_cart(&key, clock, |conn, cart| {
            store::remove_line(conn, cart, &line_id)
        })
    }

    fn delete_cart(cart: CartKey) -> Result<(), Error> {
        match key_if_any(cart)? {
            Some(key) => store::Store::open()?.delete(&key),
            None => Ok(()),
        }
    }

    fn begin_checkout(cart: CartKey, holder: String) -> Result<Cart, Error> {
        check(validate::checkout(&holder, None))?;
        let key = key(cart)?;
        let clock = clock()?;
        store::Store::open()?.begin_checkout(&key, &holder, clock)
    }

    fn abandon_checkout(cart: CartKey, holder: String) -> Result<(), Error> {
        check(validate::checkout(&holder, None))?;
        match key_if_any(cart)? {
            Some(key) => store::Store::open()?.abandon_checkout(&key, &holder),
            None => Ok(()),
        }
    }

    fn complete_checkout(cart: CartKey, holder: String, order_ref: String) -> Result<Cart, Error> {
        check(validate::checkout(&holder, Some(&order_ref)))?;
        let key = key(cart)?;
        let clock = clock()?;
        store::Store::open()?.complete_checkout(&key, &holder, &order_ref, clock)
    }

    fn create_customer_cart(customer: String, currency: String) -> Result<Cart, Error> {
        let customer = customer_id(customer)?;
        check(validate::new_cart(&currency))?;
        let clock = clock()?;
        store::Store::open()?.create_for_customer(&customer, &currency, clock)
    }

    fn merge_guest_cart(
        guest: String,
        customer: String,
        variants: Vec<VariantCheck>,
    ) -> Result<MergedCart, Error> {
        let customer = customer_id(customer)?;
        let guest = token_hash(&guest)?;
        let clock = clock()?;
        store::Store::open()?.merge(&guest, &customer, &variants, clock)
    }
}
