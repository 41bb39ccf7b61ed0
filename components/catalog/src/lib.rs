//! The catalog capability component: the glue between the WIT exports
//! (`commerce:catalog/catalog`, `commerce:catalog/catalog-admin`) and the catalog's rules
//! ([`validate`]), tables ([`store`], [`schema`]), listings and search ([`listing`]) and
//! its key-value cache ([`cache`]).

mod cache;
mod listing;
mod schema;
mod store;
mod validate;

/// The generated WIT bindings. Their ABI glue is `unsafe` by nature; nothing else is.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "catalog-component",
        with: { "commerce:types/types@0.1.0": commerce_types::types },
        // The cache stores results as JSON.
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    use super::Component;
    export!(Component);
}

pub(crate) use bindings::exports;

use capability_kit::{cursor, ids};
use commerce_types::types::{FieldError, PageInfo, PageRequest};
use exports::commerce::catalog::catalog::{
    Category, Collection, Error, Guest as CatalogGuest, Product, ProductPage, ProductQuery,
    ProductStatus, SearchResult, VariantInfo,
};
use exports::commerce::catalog::catalog_admin::{
    AdminProductFilter, AdminProductPage, Guest as AdminGuest, NewCategory, NewCollection,
    NewProduct, NewVariant, ProductPatch,
};
use store::{ProductKey, Store};

/// The largest page a listing gives.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when the caller asks for 0.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The most ids `get-variants` takes.
const MAX_VARIANT_IDS: usize = 100;
/// The tag of admin listing cursors.
const ADMIN_CURSOR: &str = "catalog.admin-products.v1";

pub(crate) const PRODUCT_PREFIX: &str = "prod";
pub(crate) const VARIANT_PREFIX: &str = "var";
pub(crate) const CATEGORY_PREFIX: &str = "cat";
pub(crate) const COLLECTION_PREFIX: &str = "col";

struct Component;

impl From<spin_sdk::sqlite::Error> for Error {
    fn from(e: spin_sdk::sqlite::Error) -> Self {
        Error::Storage(format!("catalog sqlite: {e}"))
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

/// `Ok` when `errors` is empty, else `invalid-input` with them.
fn check(errors: Vec<(String, String)>) -> Result<(), Error> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(errors))
    }
}

/// A cache key naming a read and its arguments.
fn request_key<A: serde::Serialize>(read: &str, args: &A) -> String {
    format!("{read}|{}", serde_json::to_string(args).unwrap_or_default())
}

/// A page of a listing; first pages are cached.
fn list(store: &Store, query: &ProductQuery, page: &PageRequest) -> Result<ProductPage, Error> {
    if page.after.is_none() {
        let key = request_key("list", &(query, page.limit));
        return cache::read_through(store, key, |s| listing::list(s, query, page));
    }
    listing::list(store, query, page)
}

impl CatalogGuest for Component {
    fn max_page_size() -> u32 {
        MAX_PAGE_SIZE
    }

    fn list_products(query: ProductQuery, page: PageRequest) -> Result<ProductPage, Error> {
        list(&Store::open()?, &query, &page)
    }

    fn search(query: ProductQuery, page: PageRequest) -> Result<SearchResult, Error> {
        let store = Store::open()?;
        let items = list(&store, &query, &page)?;
        // The total and the facets do not depend on the page: every page of a search
        // shares them, cached or not.
        let key = request_key("summary", &query);
        let summary = cache::read_through(&store, key, |s| listing::summary(s, &query))?;
        Ok(listing::search(items, summary))
    }

    fn get_product(id: String) -> Result<Product, Error> {
        if !ids::is_id_of(&id, PRODUCT_PREFIX) {
            return Err(Error::NotFound);
        }
        // Reads of one thing go uncached: see `cache` for why.
        Store::open()?
            .product(ProductKey::Id(&id), true)?
            .ok_or(Error::NotFound)
    }

    fn get_product_by_slug(slug: String) -> Result<Product, Error> {
        if !capability_kit::validate::is_slug(&slug) {
            return Err(Error::NotFound);
        }
        Store::open()?
            .product(ProductKey::Slug(&slug), true)?
            .ok_or(Error::NotFound)
    }

    fn list_categories() -> Result<Vec<Category>, Error> {
        Store::open()?.categories()
    }

    fn get_category(id_or_path: String) -> Result<Category, Error> {
        if id_or_path.is_empty() || id_or_path.len() > 1024 {
            return Err(Error::NotFound);
        }
        Store::open()?.category(&id_or_path)?.ok_or(Error::NotFound)
    }

    fn list_collections() -> Result<Vec<Collection>, Error> {
        Store::open()?.collections()
    }

    fn get_collection(id_or_slug: String) -> Result<Collection, Error> {
        if id_or_slug.is_empty() || id_or_slug.len() > 1024 {
            return Err(Error::NotFound);
        }
        Store::open()?
            .collection(&id_or_slug)?
            .ok_or(Error::NotFound)
    }

    fn get_variants(ids: Vec<String>) -> Result<Vec<VariantInfo>, Error> {
        if ids.len() > MAX_VARIANT_IDS {
            return Err(invalid(vec![(
                "/ids".into(),
                format!("must have at most {MAX_VARIANT_IDS} ids"),
            )]));
        }
        Store::open()?.variant_infos(&ids)
    }
}

impl AdminGuest for Component {
    fn create_product(input: NewProduct) -> Result<Product, Error> {
        check(validate::new_product(&input))?;
        Store::open()?.create_product(&input)
    }

    fn put_product(input: NewProduct) -> Result<(Product, bool), Error> {
        check(validate::new_product(&input))?;
        Store::open()?.put_product(&input)
    }

    fn update_product(id: String, patch: ProductPatch) -> Result<Product, Error> {
        check(validate::product_patch(&patch))?;
        Store::open()?.update_product(&id, &patch)
    }

    fn set_product_status(id: String, status: ProductStatus) -> Result<Product, Error> {
        Store::open()?.set_status(&id, status)
    }

    fn delete_product(id: String) -> Result<(), Error> {
        Store::open()?.delete_product(&id)
    }

    fn add_variant(product_id: String, input: NewVariant) -> Result<Product, Error> {
        Store::open()?.add_variant(&product_id, &input)
    }

    fn update_variant(variant_id: String, input: NewVariant) -> Result<Product, Error> {
        Store::open()?.update_variant(&variant_id, &input)
    }

    fn delete_variant(variant_id: String) -> Result<Product, Error> {
        Store::open()?.delete_variant(&variant_id)
    }

    fn list_products_admin(
        filter: AdminProductFilter,
        page: PageRequest,
    ) -> Result<AdminProductPage, Error> {
        let mut errors = capability_kit::validate::FieldErrors::new();
        if page.limit > MAX_PAGE_SIZE {
            errors.push("/limit", format!("must be at most {MAX_PAGE_SIZE}"));
        }
        if let Some(text) = &filter.text {
            errors.max_chars("/text", text, 200);
        }
        let hash = format!(
            "{:016x}",
            cache::fnv1a(request_key("admin", &(&filter.status, &filter.text)).as_bytes())
        );
        let after = match page.after.as_deref() {
            None => None,
            Some(c) => {
                let seq = cursor::decode_fields(ADMIN_CURSOR, c, 2)
                    .filter(|f| f[0] == hash)
                    .and_then(|f| f[1].parse::<i64>().ok().filter(|s| s.to_string() == f[1]));
                if seq.is_none() {
                    errors.push("/after", "is not a cursor of this listing and filter");
                }
                seq
            }
        };
        check(errors.into_vec())?;
        let limit = if page.limit == 0 {
            DEFAULT_PAGE_SIZE
        } else {
            page.limit
        };
        let text = filter.text.as_deref().filter(|t| !t.trim().is_empty());
        let (items, next_seq) = Store::open()?.admin_page(filter.status, text, after, limit)?;
        let next =
            next_seq.map(|seq| cursor::encode_fields(ADMIN_CURSOR, &[&hash, &seq.to_string()]));
        Ok(AdminProductPage {
            items,
            page: PageInfo { next },
        })
    }

    fn get_product_admin(id_or_slug: String) -> Result<Product, Error> {
        let store = Store::open()?;
        let key = if id_or_slug.contains('_') {
            ProductKey::Id(&id_or_slug)
        } else {
            ProductKey::Slug(&id_or_slug)
        };
        store.product(key, false)?.ok_or(Error::NotFound)
    }

    fn create_category(input: NewCategory) -> Result<Category, Error> {
        check(validate::new_category(&input))?;
        Store::open()?.create_category(&input)
    }

    fn update_category(id: String, input: NewCategory) -> Result<Category, Error> {
        check(validate::new_category(&input))?;
        Store::open()?.update_category(&id, &input)
    }

    fn delete_category(id: String) -> Result<(), Error> {
        Store::open()?.delete_category(&id)
    }

    fn create_collection(input: NewCollection) -> Result<Collection, Error> {
        check(validate::new_collection(&input))?;
        Store::open()?.create_collection(&input)
    }

    fn update_collection(id: String, input: NewCollection) -> Result<Collection, Error> {
        check(validate::new_collection(&input))?;
        Store::open()?.update_collection(&id, &input)
    }

    fn delete_collection(id: String) -> Result<(), Error> {
        Store::open()?.delete_collection(&id)
    }
}
