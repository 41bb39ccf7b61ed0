//! The inventory capability component: the glue between the WIT exports
//! (`commerce:inventory/inventory`, `commerce:inventory/inventory-admin`) and the inventory's rules
//! ([`validate`]) and tables ([`store`], [`schema`]).
//!
//! Every Spin request gets a fresh instance and the SQLite database is shared, so nothing
//! here keeps state between calls: correctness comes from transactions and conditional
//! updates in [`store`].

mod schema;
mod store;
mod validate;

/// The generated WIT bindings. Their ABI glue is `unsafe` by nature; nothing else is.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "inventory-component",
        with: { "commerce:types/types@0.1.0": commerce_types::types },
    });

    use super::Component;
    export!(Component);
}

pub(crate) use bindings::exports;

use capability_kit::{clock, ids};
use commerce_types::types::{FieldError, PageRequest};
use exports::commerce::inventory::inventory::{
    Error, Guest as InventoryGuest, NewReservation, Reservation, StockLevel,
};
use exports::commerce::inventory::inventory_admin::{
    Guest as AdminGuest, MovementFilter, MovementPage, NewAdjustment, NewCount, ReservationFilter,
    ReservationPage, StockFilter, StockMovement, StockPage,
};

pub(crate) const VARIANT_PREFIX: &str = "var";
pub(crate) const RESERVATION_PREFIX: &str = "res";
pub(crate) const MOVEMENT_PREFIX: &str = "mov";

/// The tags of the admin listings' cursors; a new cursor format gets a new tag.
const MOVEMENTS_CURSOR: &str = "inventory.movements.v1";
const STOCK_CURSOR: &str = "inventory.stock.v1";
const RESERVATIONS_CURSOR: &str = "inventory.reservations.v1";

struct Component;

impl From<spin_sdk::sqlite::Error> for Error {
    fn from(e: spin_sdk::sqlite::Error) -> Self {
        Error::Storage(format!("inventory sqlite: {e}"))
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

/// The reservation id, or `not-found` without a lookup when it is not shaped like one.
fn reservation_id(id: &str) -> Result<&str, Error> {
    if ids::is_id_of(id, RESERVATION_PREFIX) {
        Ok(id)
    } else {
        Err(Error::NotFound)
    }
}

impl InventoryGuest for Component {
    fn max_availability_batch() -> u32 {
        validate::MAX_AVAILABILITY_BATCH
    }

    fn availability(variant_ids: Vec<String>) -> Result<Vec<StockLevel>, Error> {
        check(validate::availability(&variant_ids))?;
        if variant_ids.is_empty() {
            return Ok(Vec::new());
        }
        store::Store::open()?.availability(&variant_ids, clock::now_ms(), low_stock_threshold()?)
    }

    fn reserve(request: NewReservation) -> Result<Reservation, Error> {
        check(validate::new_reservation(&request))?;
        store::Store::open()?.reserve(&request, clock::now_ms())
    }

    fn commit(reservation_id: String) -> Result<Reservation, Error> {
        let id = self::reservation_id(&reservation_id)?;
        store::Store::open()?.commit(id, clock::now_ms())
    }

    fn release(reservation_id: String) -> Result<Reservation, Error> {
        let id = self::reservation_id(&reservation_id)?;
        store::Store::open()?.release(id, clock::now_ms())
    }

    fn get_reservation(reservation_id: String) -> Result<Reservation, Error> {
        let id = self::reservation_id(&reservation_id)?;
        store::Store::open()?
            .reservation(id, clock::now_ms())?
            .ok_or(Error::NotFound)
    }
}

impl AdminGuest for Component {
    fn max_page_size() -> u32 {
        validate::MAX_PAGE_SIZE
    }

    fn adjust(adjustment: NewAdjustment) -> Result<StockMovement, Error> {
        check(validate::new_adjustment(&adjustment))?;
        store::Store::open()?.adjust(&adjustment, clock::now_ms())
    }

    fn set_on_hand(count: NewCount) -> Result<StockMovement, Error> {
        check(validate::new_count(&count))?;
        store::Store::open()?.set_on_hand(&count, clock::now_ms())
    }

    fn list_movements(filter: MovementFilter, page: PageRequest) -> Result<MovementPage, Error> {
        let page = validate::page(&page, MOVEMENTS_CURSOR).map_err(invalid)?;
        let (items, next) = store::Store::open()?.list_movements(&filter, &page)?;
        Ok(MovementPage {
            page: page_info(MOVEMENTS_CURSOR, next),
            items,
        })
    }

    fn list_stock(filter: StockFilter, page: PageRequest) -> Result<StockPage, Error> {
        let page = validate::page(&page, STOCK_CURSOR).map_err(invalid)?;
        let (items, next) = store::Store::open()?.list_stock(
            &filter,
            &page,
            clock::now_ms(),
            low_stock_threshold()?,
        )?;
        Ok(StockPage {
            page: page_info(STOCK_CURSOR, next),
            items,
        })
    }

    fn list_reservations(
        filter: ReservationFilter,
        page: PageRequest,
    ) -> Result<ReservationPage, Error> {
        let page = validate::page(&page, RESERVATIONS_CURSOR).map_err(invalid)?;
        let (items, next) =
            store::Store::open()?.list_reservations(&filter, &page, clock::now_ms())?;
        Ok(ReservationPage {
            page: page_info(RESERVATIONS_CURSOR, next),
            items,
        })
    }

    fn reclaim_expired(limit: u32) -> Result<u32, Error> {
        check(validate::reclaim_limit(limit))?;
        store::Store::open()?.reclaim_expired(limit, clock::now_ms())
    }
}

/// The page info for a listing whose store answered `next`: the (key, id) of the last item
/// shown when more follow.
fn page_info(tag: &str, next: Option<(i64, String)>) -> commerce_types::types::PageInfo {
    commerce_types::types::PageInfo {
        next: next.map(|(key, id)| capability_kit::cursor::encode(tag, key, &id)),
    }
}

/// The low-stock threshold from the Spin variable (the default when the component has none).
fn low_stock_threshold() -> Result<u32, Error> {
    let value =
        capability_kit::config::variable(validate::THRESHOLD_VARIABLE).map_err(Error::Other)?;
    validate::low_stock_threshold(value.as_deref()).map_err(Error::Other)
}
