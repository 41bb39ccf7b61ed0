//! The cart's SQL. Every value reaches SQLite as a parameter; every statement is a constant.
//!
//! Concurrency: Spin runs each request in a fresh instance over one shared database, so all
//! correctness comes from SQLite. Every call that changes a cart runs in one `BEGIN
//! IMMEDIATE` transaction: it finds the live cart, checks the change against the cart as it
//! is inside that transaction, writes, marks the cart used and reads it back. Two tabs
//! adding to one cart queue on the write lock; neither can slip past a limit. Reading a cart
//! ([`Store::get`]) takes no write lock: it reads the cart and its lines in one snapshot.
//!
//! Expiry: a cart is live while `used_at + ttl > now`. A call that finds an expired cart
//! deletes it and answers `not-found`; `create` also deletes a bounded batch of expired
//! carts, so abandoned carts do not pile up without a background worker. A read marks the
//! cart used only when `used_at` is older than [`touch_interval`] (a tenth of the idle time,
//! at most a minute), with one conditional `UPDATE` of its own, so a cart viewed often is
//! written at most once a minute and its expiry slides by at most that much less. The
//! `expires-at` a read answers is the true one, `used_at + ttl`.
//!
//! Keys ([`Key`]): a guest cart is found by its token's hash, a customer's current cart by
//! `customer_id` among the carts not ordered (at most one, by a partial unique index). A
//! merge ([`Store::merge`]) reads both carts and moves the lines in one `BEGIN IMMEDIATE`
//! transaction, so it is serialised with the checkouts' claims of either cart.
//!
//! Checkout claims ([`Store::begin_checkout`], [`Store::abandon_checkout`],
//! [`Store::complete_checkout`]) are conditional `UPDATE`s that name the state they expect
//! (`checkout_holder IS NULL`, or the holder's own), each in the same `BEGIN IMMEDIATE`
//! transaction as the read of the cart they answer, so of any number of checkouts racing
//! for one cart exactly one holds it, and the lines it read are the lines it froze. Every
//! line change ([`Store::with_cart`]) refuses a cart that is not open inside its own
//! transaction, so no line changes between the claim and its end.

use capability_kit::db::{self, i, int, opt_text, t, text};
use capability_kit::ids;
use spin_sdk::sqlite::{Connection, RowResult, Value};

use crate::exports::commerce::cart::cart::{
    Cart, CheckoutHold, Error, Limit, LimitKind, Line, MergeSkip, MergeSkipReason, MergedCart,
    VariantCheck,
};
use crate::validate::{MAX_CART_QUANTITY, MAX_LINE_QUANTITY, MAX_LINES};
use crate::{CART_PREFIX, LINE_PREFIX, invalid, schema};

/// How many expired carts one `create` deletes at most.
const PURGE_BATCH: i64 = 50;

/// An open cart database with an up-to-date schema.
pub struct Store {
    conn: std::rc::Rc<Connection>,
}

/// The time rules of one call: now, and the idle time in milliseconds.
#[derive(Clone, Copy)]
pub struct Clock {
    pub now: i64,
    pub ttl_ms: i64,
}

impl Clock {
    /// The oldest `used_at` of a live cart is after this.
    fn cutoff(self) -> i64 {
        self.now - self.ttl_ms
    }
}

/// A cart row.
struct Row {
    id: String,
    currency: String,
    created_at: i64,
    updated_at: i64,
    checkout: Option<CheckoutHold>,
}

impl Row {
    /// A row whose first columns are `id, currency, created_at, updated_at,
    /// checkout_holder, checkout_at, order_ref`.
    fn decode(row: &RowResult) -> Result<Self, Error> {
        Ok(Self {
            id: text(row, 0)?,
            currency: text(row, 1)?,
            created_at: int(row, 2)?,
            updated_at: int(row, 3)?,
            checkout: hold(row, 4)?,
        })
    }
}

/// The checkout hold in columns `at..at + 3` (`checkout_holder, checkout_at, order_ref`).
fn hold(row: &RowResult, at: usize) -> Result<Option<CheckoutHold>, Error> {
    let Some(holder) = opt_text(row, at)? else {
        return Ok(None);
    };
    Ok(Some(CheckoutHold {
        holder,
        since: int(row, at + 1)?,
        order_ref: opt_text(row, at + 2)?,
    }))
}

/// Which cart a call is about: the WIT `cart-key`, its token hashed.
pub enum Key {
    /// A guest cart, by the SHA-256 of its token.
    Token(String),
    /// A customer's current cart, by the customer's id.
    Customer(String),
}

/// A `SELECT` of the cart row columns [`Row::decode`] reads, then `used_at` (column 7),
/// of the carts matching `$condition`. A macro, so that every statement stays a constant.
macro_rules! select_cart {
    ($condition:literal) => {
        concat!(
            "SELECT id, currency, created_at, updated_at, checkout_holder, checkout_at, \
             order_ref, used_at FROM cart_carts WHERE ",
            $condition
        )
    };
}

impl Key {
    /// The statement that finds the key's current cart, and its parameter.
    fn current(&self) -> (&'static str, Value) {
        match self {
            Key::Token(hash) => (select_cart!("token_hash = ?"), t(hash)),
            Key::Customer(id) => (select_cart!("customer_id = ? AND order_ref IS NULL"), t(id)),
        }
    }
}

/// What a read found for a key.
enum Found {
    Missing,
    Expired,
    /// The cart, its lines and its `used_at`.
    Live(Row, Vec<Line>, i64),
}

/// A line row.
struct LineRow {
    id: String,
    variant_id: String,
    quantity: u32,
}

fn quantity(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// Opens the default database, migrating it on this instance's first use.
    pub fn open() -> Result<Self, Error> {
        let conn = db::instance_connection(schema::VERSION_TABLE, schema::MIGRATIONS)?;
        Ok(Self { conn })
    }

    /// Creates an empty guest cart whose token hashes to `token_hash`.
    pub fn create(&self, currency: &str, token_hash: &str, clock: Clock) -> Result<Cart, Error> {
        db::transaction(&self.conn, |conn| {
            purge_expired(conn, clock)?;
            insert(conn, currency, token_hash, None, clock)
        })
    }

    /// `create-customer-cart`: the customer's current cart in `currency`, created when they
    /// have none; an open empty cart in another currency is replaced, any other refused.
    pub fn create_for_customer(
        &self,
        customer: &str,
        currency: &str,
        clock: Clock,
    ) -> Result<Cart, Error> {
        db::transaction(&self.conn, |conn| {
            purge_expired(conn, clock)?;
            if let Some(cart) = optional(live(conn, &Key::Customer(customer.to_owned()), clock))? {
                if cart.currency == currency {
                    touch(conn, &cart.id, clock, false)?;
                    return read(conn, &cart.id, clock);
                }
                if cart.checkout.is_some() || totals(conn, &cart.id)?.0 > 0 {
                    return Err(invalid(vec![(
                        "/currency".into(),
                        format!(
                            "the customer's cart is in {}: empty or delete it before starting \
                             one in {currency}",
                            cart.currency
                        ),
                    )]));
                }
                delete_cart(conn, &cart.id)?;
            }
            insert(conn, currency, &unheld_token_hash(), Some(customer), clock)
        })
    }

    /// `merge-guest-cart`: moves the live, open guest cart of `guest_hash` into the
    /// customer's current cart (or makes it that cart), in one transaction.
    pub fn merge(
        &self,
        guest_hash: &str,
        customer: &str,
        variants: &[VariantCheck],
        clock: Clock,
    ) -> Result<MergedCart, Error> {
        db::transaction(&self.conn, |conn| {
            let guest = live(conn, &Key::Token(guest_hash.to_owned()), clock)?;
            if let Some(hold) = guest.checkout {
                return Err(Error::CheckoutHeld(hold));
            }
            let current = optional(live(conn, &Key::Customer(customer.to_owned()), clock))?;
            let target = match current {
                Some(CartRef {
                    checkout: Some(hold),
                    ..
                }) => return Err(Error::CheckoutHeld(hold)),
                Some(cart) if totals(conn, &cart.id)?.0 > 0 => cart,
                empty_or_none => {
                    if let Some(empty) = empty_or_none {
                        delete_cart(conn, &empty.id)?;
                    }
                    // The guest cart becomes the customer's; its token opens nothing now.
                    conn.execute(
                        "UPDATE cart_carts SET customer_id = ?, token_hash = ?, used_at = ? \
                         WHERE id = ?",
                        &[
                            t(customer),
                            t(unheld_token_hash()),
                            i(clock.now),
                            t(&guest.id),
                        ],
                    )?;
                    return Ok(MergedCart {
                        cart: read(conn, &guest.id, clock)?,
                        adopted: true,
                        skipped: Vec::new(),
                    });
                }
            };
            let mut skipped = Vec::new();
            let mut changed = false;
            for line in read_lines(conn, &guest.id)? {
                let (moved, reason) = match variants
                    .iter()
                    .find(|v| v.variant_id == line.variant_id)
                {
                    Some(variant) => move_line(conn, &target, variant, line.quantity, clock.now)?,
                    None => (0, Some(MergeSkipReason::Unavailable)),
                };
                changed |= moved > 0;
                if let Some(reason) = reason {
                    skipped.push(MergeSkip {
                        variant_id: line.variant_id,
                        wanted: line.quantity,
                        moved,
                        reason,
                    });
                }
            }
            delete_cart(conn, &guest.id)?;
            touch(conn, &target.id, clock, changed)?;
            Ok(MergedCart {
                cart: read(conn, &target.id, clock)?,
                adopted: false,
                skipped,
            })
        })
    }

    /// Runs `change` on the live, open cart of `token_hash` in one transaction, then marks
    /// the cart used and returns it as it is then. `change` answers whether it changed
    /// lines. A cart a checkout holds or ordered answers `checkout-held`, unchanged.
    pub fn with_cart(
        &self,
        key: &Key,
        clock: Clock,
        change: impl FnOnce(&Connection, &CartRef) -> Result<bool, Error>,
    ) -> Result<Cart, Error> {
        db::transaction(&self.conn, |conn| {
            let cart = live(conn, key, clock)?;
            if let Some(hold) = cart.checkout.clone() {
                return Err(Error::CheckoutHeld(hold));
            }
            let changed = change(conn, &cart)?;
            touch(conn, &cart.id, clock, changed)?;
            read(conn, &cart.id, clock)
        })
    }

    /// The live cart of `key`, read in one snapshot without the write lock; marks it
    /// used when its `used_at` is older than [`touch_interval`]. An expired cart is deleted
    /// and answers `not-found`, as in [`Store::with_cart`].
    pub fn get(&self, key: &Key, clock: Clock) -> Result<Cart, Error> {
        let found = db::snapshot(&self.conn, |conn| -> Result<Found, Error> {
            let (sql, param) = key.current();
            let found = conn.execute(sql, &[param])?;
            let Some(row) = found.rows.first() else {
                return Ok(Found::Missing);
            };
            let used_at = int(row, 7)?;
            if used_at <= clock.cutoff() {
                return Ok(Found::Expired);
            }
            let cart = Row::decode(row)?;
            let lines = read_lines(conn, &cart.id)?;
            Ok(Found::Live(cart, lines, used_at))
        })?;
        let (cart, lines, mut used_at) = match found {
            Found::Missing => return Err(Error::NotFound),
            // The write path deletes it and answers `not-found`.
            Found::Expired => return self.with_cart(key, clock, |_, _| Ok(false)),
            Found::Live(cart, lines, used_at) => (cart, lines, used_at),
        };
        if clock.now - used_at >= touch_interval(clock) {
            // `used_at < now` keeps a concurrent later use from being moved back.
            self.conn.execute(
                "UPDATE cart_carts SET used_at = ? WHERE id = ? AND used_at < ?",
                &[i(clock.now), t(&cart.id), i(clock.now)],
            )?;
            used_at = clock.now;
        }
        Ok(assemble(cart, lines, used_at.saturating_add(clock.ttl_ms)))
    }

    /// `begin-checkout`: claims the live cart of `key` for `holder` unless another holder
    /// has it, and reads it in the same transaction.
    pub fn begin_checkout(&self, key: &Key, holder: &str, clock: Clock) -> Result<Cart, Error> {
        db::transaction(&self.conn, |conn| {
            let cart = held_or_live(conn, key, holder, clock)?;
            match &cart.checkout {
                Some(hold) if hold.holder != holder => {
                    return Err(Error::CheckoutHeld(hold.clone()));
                }
                // Ours already: a retry goes on with the cart it froze.
                Some(_) => {
                    conn.execute(
                        "UPDATE cart_carts SET used_at = ? WHERE id = ?",
                        &[i(clock.now), t(&cart.id)],
                    )?;
                }
                None => {
                    let claimed = conn.execute(
                        "UPDATE cart_carts SET checkout_holder = ?, checkout_at = ?, used_at = ? \
                         WHERE id = ? AND checkout_holder IS NULL RETURNING id",
                        &[t(holder), i(clock.now), i(clock.now), t(&cart.id)],
                    )?;
                    if claimed.rows.is_empty() {
                        return Err(Error::Storage(
                            "cart: the claim found the cart taken inside its transaction".into(),
                        ));
                    }
                }
            }
            read(conn, &cart.id, clock)
        })
    }

    /// `abandon-checkout`: gives the cart of `key` back if `holder` holds it and has not
    /// ordered it; nothing otherwise.
    pub fn abandon_checkout(&self, key: &Key, holder: &str) -> Result<(), Error> {
        let (sql, param) = match key {
            Key::Token(hash) => (
                "UPDATE cart_carts SET checkout_holder = NULL, checkout_at = NULL \
                 WHERE token_hash = ? AND checkout_holder = ? AND order_ref IS NULL",
                t(hash),
            ),
            Key::Customer(id) => (
                "UPDATE cart_carts SET checkout_holder = NULL, checkout_at = NULL \
                 WHERE customer_id = ? AND checkout_holder = ? AND order_ref IS NULL",
                t(id),
            ),
        };
        self.conn.execute(sql, &[param, t(holder)])?;
        Ok(())
    }

    /// `complete-checkout`: marks the live cart of `key` ordered by `holder` as
    /// `order_ref` (claiming it first if it is open); the first reference stays.
    pub fn complete_checkout(
        &self,
        key: &Key,
        holder: &str,
        order_ref: &str,
        clock: Clock,
    ) -> Result<Cart, Error> {
        db::transaction(&self.conn, |conn| {
            let cart = held_or_live(conn, key, holder, clock)?;
            if let Some(hold) = &cart.checkout
                && hold.holder != holder
            {
                return Err(Error::CheckoutHeld(hold.clone()));
            }
            let marked = conn.execute(
                "UPDATE cart_carts SET checkout_holder = ?, \
                 checkout_at = COALESCE(checkout_at, ?), \
                 order_ref = COALESCE(order_ref, ?), used_at = ? \
                 WHERE id = ? AND (checkout_holder IS NULL OR checkout_holder = ?) RETURNING id",
                &[
                    t(holder),
                    i(clock.now),
                    t(order_ref),
                    i(clock.now),
                    t(&cart.id),
                    t(holder),
                ],
            )?;
            if marked.rows.is_empty() {
                return Err(Error::Storage(
                    "cart: the completion found the cart taken inside its transaction".into(),
                ));
            }
            read(conn, &cart.id, clock)
        })
    }

    /// Deletes the current cart of `key`, live or expired; nothing when there is none.
    pub fn delete(&self, key: &Key) -> Result<(), Error> {
        db::transaction(&self.conn, |conn| {
            let (sql, param) = key.current();
            let found = conn.execute(sql, &[param])?;
            if let Some(row) = found.rows.first() {
                delete_cart(conn, &text(row, 0)?)?;
            }
            Ok(())
        })
    }
}

/// The cart a call works on.
pub struct CartRef {
    pub id: String,
    pub currency: String,
    /// The checkout holding the cart, if any.
    pub checkout: Option<CheckoutHold>,
}

/// The live current cart of `key`; an expired one is deleted and answers `not-found`.
fn live(conn: &Connection, key: &Key, clock: Clock) -> Result<CartRef, Error> {
    let (sql, param) = key.current();
    let found = conn.execute(sql, &[param])?;
    live_row(conn, found.rows.first(), clock)
}

/// The cart a checkout's `holder` works on: for a customer, the cart of theirs that the
/// holder holds (current or ordered), else their current one, so that a checkout ends on
/// the cart it claimed; for a token, its cart.
fn held_or_live(
    conn: &Connection,
    key: &Key,
    holder: &str,
    clock: Clock,
) -> Result<CartRef, Error> {
    if let Key::Customer(id) = key {
        let found = conn.execute(
            select_cart!("customer_id = ? AND checkout_holder = ?"),
            &[t(id), t(holder)],
        )?;
        if let Some(row) = found.rows.first() {
            return live_row(conn, Some(row), clock);
        }
    }
    live(conn, key, clock)
}

/// The cart of a `select_cart!` row if it is live; an expired one is deleted (the deletion
/// committed) and answers `not-found`.
fn live_row(conn: &Connection, row: Option<&RowResult>, clock: Clock) -> Result<CartRef, Error> {
    let Some(row) = row else {
        return Err(Error::NotFound);
    };
    let cart = Row::decode(row)?;
    if int(row, 7)? <= clock.cutoff() {
        delete_cart(conn, &cart.id)?;
        // The deletion must be kept although the call fails: commit it here, and open a
        // new transaction for the caller's rollback to end.
        conn.execute("COMMIT", &[])?;
        conn.execute("BEGIN IMMEDIATE", &[])?;
        return Err(Error::NotFound);
    }
    Ok(CartRef {
        id: cart.id,
        currency: cart.currency,
        checkout: cart.checkout,
    })
}

/// `Some` cart, `None` for `not-found`, or the error.
fn optional(found: Result<CartRef, Error>) -> Result<Option<CartRef>, Error> {
    match found {
        Ok(cart) => Ok(Some(cart)),
        Err(Error::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Inserts an empty cart and reads it back.
fn insert(
    conn: &Connection,
    currency: &str,
    token_hash: &str,
    customer: Option<&str>,
    clock: Clock,
) -> Result<Cart, Error> {
    let id = ids::new_id(CART_PREFIX);
    conn.execute(
        "INSERT INTO cart_carts (id, token_hash, currency, created_at, updated_at, used_at, \
         customer_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            t(&id),
            t(token_hash),
            t(currency),
            i(clock.now),
            i(clock.now),
            i(clock.now),
            customer.map_or(Value::Null, t),
        ],
    )?;
    read(conn, &id, clock)
}

/// The hash of a fresh token that nobody is given: a customer's cart is found by its
/// customer only, and a guest cart that became a customer's opens with its old token no
/// more.
fn unheld_token_hash() -> String {
    crate::validate::token_hash(&crate::validate::new_token())
}

/// Marks cart `id` used now, and changed when `changed`.
fn touch(conn: &Connection, id: &str, clock: Clock, changed: bool) -> Result<(), Error> {
    if changed {
        conn.execute(
            "UPDATE cart_carts SET used_at = ?, updated_at = ? WHERE id = ?",
            &[i(clock.now), i(clock.now), t(id)],
        )?;
    } else {
        conn.execute(
            "UPDATE cart_carts SET used_at = ? WHERE id = ?",
            &[i(clock.now), t(id)],
        )?;
    }
    Ok(())
}

fn delete_cart(conn: &Connection, id: &str) -> Result<(), Error> {
    conn.execute("DELETE FROM cart_lines WHERE cart_id = ?", &[t(id)])?;
    conn.execute("DELETE FROM cart_carts WHERE id = ?", &[t(id)])?;
    Ok(())
}

/// Deletes up to `PURGE_BATCH` expired carts, oldest first.
fn purge_expired(conn: &Connection, clock: Clock) -> Result<(), Error> {
    let expired = conn.execute(
        "SELECT id FROM cart_carts WHERE used_at <= ? ORDER BY used_at LIMIT ?",
        &[i(clock.cutoff()), i(PURGE_BATCH)],
    )?;
    for row in &expired.rows {
        delete_cart(conn, &text(row, 0)?)?;
    }
    Ok(())
}

/// How old `used_at` may be before a read marks the cart used again.
fn touch_interval(clock: Clock) -> i64 {
    (clock.ttl_ms / 10).min(60_000)
}

/// The cart `id` as stored, with its lines, expiring `ttl` after now (it was just used).
fn read(conn: &Connection, id: &str, clock: Clock) -> Result<Cart, Error> {
    let found = conn.execute(
        "SELECT id, currency, created_at, updated_at, checkout_holder, checkout_at, order_ref \
         FROM cart_carts WHERE id = ?",
        &[t(id)],
    )?;
    let row = found
        .rows
        .first()
        .ok_or_else(|| Error::Storage("cart: the cart vanished inside its transaction".into()))?;
    let cart = Row::decode(row)?;
    let lines = read_lines(conn, id)?;
    Ok(assemble(
        cart,
        lines,
        clock.now.saturating_add(clock.ttl_ms),
    ))
}

/// The lines of cart `id`, in the order they were added.
fn read_lines(conn: &Connection, id: &str) -> Result<Vec<Line>, Error> {
    let rows = conn.execute(
        "SELECT id, product_id, variant_id, quantity, added_at, updated_at FROM cart_lines \
         WHERE cart_id = ? ORDER BY seq",
        &[t(id)],
    )?;
    let mut lines = Vec::with_capacity(rows.rows.len());
    for row in &rows.rows {
        lines.push(Line {
            id: text(row, 0)?,
            product_id: text(row, 1)?,
            variant_id: text(row, 2)?,
            quantity: quantity(int(row, 3)?),
            added_at: int(row, 4)?,
            updated_at: int(row, 5)?,
        });
    }
    Ok(lines)
}

/// A cart record from its row and lines.
fn assemble(cart: Row, lines: Vec<Line>, expires_at: i64) -> Cart {
    let item_count = lines
        .iter()
        .fold(0u32, |sum, l| sum.saturating_add(l.quantity));
    Cart {
        id: cart.id,
        currency: cart.currency,
        lines,
        item_count,
        created_at: cart.created_at,
        updated_at: cart.updated_at,
        expires_at,
        checkout: cart.checkout,
    }
}

/// The number of lines and the sum of their quantities.
fn totals(conn: &Connection, cart_id: &str) -> Result<(u32, u32), Error> {
    let found = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(quantity), 0) FROM cart_lines WHERE cart_id = ?",
        &[t(cart_id)],
    )?;
    let row = found
        .rows
        .first()
        .ok_or_else(|| Error::Storage("cart: no totals row".into()))?;
    Ok((quantity(int(row, 0)?), quantity(int(row, 1)?)))
}

fn line_by(conn: &Connection, sql: &str, params: &[Value]) -> Result<Option<LineRow>, Error> {
    let found = conn.execute(sql, params)?;
    found
        .rows
        .first()
        .map(|row| {
            Ok(LineRow {
                id: text(row, 0)?,
                variant_id: text(row, 1)?,
                quantity: quantity(int(row, 2)?),
            })
        })
        .transpose()
}

/// Whether the variant may be bought in `currency`: `unavailable` or `no-price` if not.
fn for_sale(variant: &VariantCheck, currency: &str) -> Result<(), Error> {
    if !variant.published {
        return Err(Error::Unavailable(variant.variant_id.clone()));
    }
    if !variant.prices.iter().any(|p| p.currency == currency) {
        return Err(Error::NoPrice(currency.to_owned()));
    }
    Ok(())
}

fn exceeded(kind: LimitKind, max: u32) -> Error {
    Error::LimitExceeded(Limit { kind, max })
}

/// `add-line` inside the cart's transaction.
pub fn add_line(
    conn: &Connection,
    cart: &CartRef,
    variant: &VariantCheck,
    qty: u32,
    now: i64,
) -> Result<bool, Error> {
    for_sale(variant, &cart.currency)?;
    let existing = line_by(
        conn,
        "SELECT id, variant_id, quantity FROM cart_lines WHERE cart_id = ? AND variant_id = ?",
        &[t(&cart.id), t(&variant.variant_id)],
    )?;
    let (lines, units) = totals(conn, &cart.id)?;
    let line_quantity = u64::from(existing.as_ref().map_or(0, |l| l.quantity)) + u64::from(qty);
    if line_quantity > u64::from(MAX_LINE_QUANTITY) {
        return Err(exceeded(LimitKind::LineQuantity, MAX_LINE_QUANTITY));
    }
    if u64::from(units) + u64::from(qty) > u64::from(MAX_CART_QUANTITY) {
        return Err(exceeded(LimitKind::CartQuantity, MAX_CART_QUANTITY));
    }
    match existing {
        Some(line) => {
            conn.execute(
                "UPDATE cart_lines SET quantity = ?, product_id = ?, updated_at = ? WHERE id = ?",
                &[
                    i(line_quantity as i64),
                    t(&variant.product_id),
                    i(now),
                    t(&line.id),
                ],
            )?;
        }
        None => {
            if lines >= MAX_LINES {
                return Err(exceeded(LimitKind::LineCount, MAX_LINES));
            }
            conn.execute(
                "INSERT INTO cart_lines (id, cart_id, seq, variant_id, product_id, quantity, \
                 added_at, updated_at) VALUES (?, ?, \
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM cart_lines WHERE cart_id = ?), \
                 ?, ?, ?, ?, ?)",
                &[
                    t(ids::new_id(LINE_PREFIX)),
                    t(&cart.id),
                    t(&cart.id),
                    t(&variant.variant_id),
                    t(&variant.product_id),
                    i(qty),
                    i(now),
                    i(now),
                ],
            )?;
        }
    }
    Ok(true)
}

/// `set-quantity` inside the cart's transaction.
pub fn set_quantity(
    conn: &Connection,
    cart: &CartRef,
    line_id: &str,
    qty: u32,
    variant: &VariantCheck,
    now: i64,
) -> Result<bool, Error> {
    let line = line_by(
        conn,
        "SELECT id, variant_id, quantity FROM cart_lines WHERE id = ? AND cart_id = ?",
        &[t(line_id), t(&cart.id)],
    )?
    .ok_or(Error::NotFound)?;
    if line.variant_id != variant.variant_id {
        return Err(invalid(vec![(
            "/variant/variant_id".into(),
            format!("must be the line's variant, {}", line.variant_id),
        )]));
    }
    if qty == line.quantity {
        return Ok(false);
    }
    if qty == 0 {
        conn.execute("DELETE FROM cart_lines WHERE id = ?", &[t(&line.id)])?;
        return Ok(true);
    }
    if qty > line.quantity {
        for_sale(variant, &cart.currency)?;
        if qty > MAX_LINE_QUANTITY {
            return Err(exceeded(LimitKind::LineQuantity, MAX_LINE_QUANTITY));
        }
        let (_, units) = totals(conn, &cart.id)?;
        if u64::from(units) - u64::from(line.quantity) + u64::from(qty)
            > u64::from(MAX_CART_QUANTITY)
        {
            return Err(exceeded(LimitKind::CartQuantity, MAX_CART_QUANTITY));
        }
    }
    conn.execute(
        "UPDATE cart_lines SET quantity = ?, updated_at = ? WHERE id = ?",
        &[i(qty), i(now), t(&line.id)],
    )?;
    Ok(true)
}

/// `remove-line` inside the cart's transaction.
pub fn remove_line(conn: &Connection, cart: &CartRef, line_id: &str) -> Result<bool, Error> {
    let deleted = conn.execute(
        "DELETE FROM cart_lines WHERE id = ? AND cart_id = ? RETURNING id",
        &[t(line_id), t(&cart.id)],
    )?;
    Ok(!deleted.rows.is_empty())
}

/// Adds what fits of `wanted` units of a guest line's variant to `cart` (a merge): the
/// units moved, and why not all when some were left out.
fn move_line(
    conn: &Connection,
    cart: &CartRef,
    variant: &VariantCheck,
    wanted: u32,
    now: i64,
) -> Result<(u32, Option<MergeSkipReason>), Error> {
    match for_sale(variant, &cart.currency) {
        Ok(()) => {}
        Err(Error::Unavailable(_)) => return Ok((0, Some(MergeSkipReason::Unavailable))),
        Err(Error::NoPrice(_)) => return Ok((0, Some(MergeSkipReason::NoPrice))),
        Err(e) => return Err(e),
    }
    let existing = line_by(
        conn,
        "SELECT id, variant_id, quantity FROM cart_lines WHERE cart_id = ? AND variant_id = ?",
        &[t(&cart.id), t(&variant.variant_id)],
    )?;
    let (lines, units) = totals(conn, &cart.id)?;
    if existing.is_none() && lines >= MAX_LINES {
        return Ok((0, Some(MergeSkipReason::LineCount)));
    }
    let line_room = MAX_LINE_QUANTITY.saturating_sub(existing.map_or(0, |l| l.quantity));
    let cart_room = MAX_CART_QUANTITY.saturating_sub(units);
    let moved = wanted.min(line_room).min(cart_room);
    if moved > 0 {
        add_line(conn, cart, variant, moved, now)?;
    }
    let reason = (moved < wanted).then_some(if line_room <= cart_room {
        MergeSkipReason::LineQuantity
    } else {
        MergeSkipReason::CartQuantity
    });
    Ok((moved, reason))
}
