//! The catalog capability component: the glue between the WIT exports
//! (`commerce:shop/catalog`, `commerce:shop/catalog-admin`) and the catalog's rules
//! ([`validate`]) and tables ([`store`], [`schema`]).

mod schema;
mod store;
mod validate;

/// The generated WIT bindings. Their ABI glue is `unsafe` by nature; nothing else is.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "catalog-component",
    });

    use super::Component;
    export!(Component);
}

pub(crate) use bindings::{commerce, exports};

use capability_kit::{cursor, ids};
use commerce::shop::types::{FieldError, PageInfo, PageRequest};
use exports::commerce::shop::catalog::{
    Category, Error, Guest as CatalogGuest, Product, ProductPage, ProductQuery,
};
use exports::commerce::shop::catalog_admin::{Guest as AdminGuest, NewCategory, NewProduct};

/// The largest page `list-products` gives.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when the caller asks for 0.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The tag of product-listing cursors; a new cursor format gets a new tag.
const PRODUCTS_CURSOR: &str = "catalog.products.v1";

pub(crate) const PRODUCT_PREFIX: &str = "prod";
pub(crate) const VARIANT_PREFIX: &str = "var";
pub(crate) const CATEGORY_PREFIX: &str = "cat";

struct Component;

impl From<spin_sdk::sqlite::Error> for Error {
    fn from(e: spin_sdk::sqlite::Error) -> Self {
        Error::Storage(format!("catalog sqlite: {e}"))
    }
}

fn invalid(errors: Vec<(String, String)>) -> Error {
    Error::InvalidInput(
        errors
            .into_iter()
            .map(|(path, message)| FieldError { path, message })
            .collect(),
    )
}

impl CatalogGuest for Component {
    fn max_page_size() -> u32 {
        MAX_PAGE_SIZE
    }

    fn list_products(query: ProductQuery, page: PageRequest) -> Result<ProductPage, Error> {
        let mut errors = capability_kit::validate::FieldErrors::new();
        if page.limit > MAX_PAGE_SIZE {
            errors.push("/limit", format!("must be at most {MAX_PAGE_SIZE}"));
        }
        let after = match page.after.as_deref() {
            None => None,
            Some(c) => {
                let position = cursor::decode(PRODUCTS_CURSOR, c);
                if position.is_none() {
                    errors.push("/after", "is not a cursor of this listing");
                }
                position
            }
        };
        if let Some(currency) = &query.currency {
            errors.currency("/currency", currency);
        }
        if !errors.is_empty() {
            return Err(invalid(errors.into_vec()));
        }
        let limit = if page.limit == 0 {
            DEFAULT_PAGE_SIZE
        } else {
            page.limit
        };

        let store = store::Store::open()?;
        let category_path = match &query.category {
            None => None,
            Some(id) => Some(store.category_path(id)?.ok_or(Error::NotFound)?),
        };
        let filter = store::ListFilter {
            category_path,
            currency: query.currency,
            after,
        };
        let (items, next_after) = store.list_published(&filter, limit)?;
        let next = match (next_after, items.last()) {
            (Some(seq), Some(last)) => Some(cursor::encode(PRODUCTS_CURSOR, seq, &last.id)),
            _ => None,
        };
        Ok(ProductPage {
            items,
            page: PageInfo { next },
        })
    }

    fn get_product(id: String) -> Result<Product, Error> {
        if !ids::is_id_of(&id, PRODUCT_PREFIX) {
            return Err(Error::NotFound);
        }
        store::Store::open()?
            .product(store::ProductKey::Id(&id), true)?
            .ok_or(Error::NotFound)
    }

    fn get_product_by_slug(slug: String) -> Result<Product, Error> {
        if !capability_kit::validate::is_slug(&slug) {
            return Err(Error::NotFound);
        }
        store::Store::open()?
            .product(store::ProductKey::Slug(&slug), true)?
            .ok_or(Error::NotFound)
    }

    fn list_categories() -> Result<Vec<Category>, Error> {
        store::Store::open()?.categories()
    }
}

impl AdminGuest for Component {
    fn create_product(input: NewProduct) -> Result<Product, Error> {
        let errors = validate::new_product(&input);
        if !errors.is_empty() {
            return Err(invalid(errors));
        }
        store::Store::open()?.create_product(&input)
    }

    fn create_category(input: NewCategory) -> Result<Category, Error> {
        let errors = validate::new_category(&input);
        if !errors.is_empty() {
            return Err(invalid(errors));
        }
        store::Store::open()?.create_category(&input)
    }
}
