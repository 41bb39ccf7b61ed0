//! The query parameters of product listings, turned into a catalog `product-query`.
//!
//! `q`, `category` (id or path), `collection` (id or slug), `currency`, `min_price` and
//! `max_price` (minor units, both included), `brand` (comma-separated values),
//! `option.<name>` (e.g. `option.size=S,M`), `attr.<name>`, `sort` (`relevance`,
//! `price_asc`, `price_desc`, `newest`, `title`), `limit`, `after`, and `in_stock=true`
//! (only products with a variant available now; applied here, not by the catalog, see
//! `stock.rs`).
//!
//! The catalog owns the rules on values (page size, cursor, currency, price range); this
//! parses, and reports the catalog's field errors under the parameter names.

use api_kit::{FieldError, Problem, Query};

use crate::bindings::commerce::catalog::catalog::{
    self, Attribute, Error, OptionValue, PriceRange, ProductQuery, SortOrder,
};
use commerce_types::types::PageRequest;

/// A filter the route fixes (a category page, a collection page), so it is not a
/// parameter.
pub enum Fixed {
    None,
    Category(String),
    Collection(String),
}

/// Whether a route can apply `in_stock=true`.
#[derive(Clone, Copy)]
pub enum StockFilter {
    Allowed,
    /// Refused, with the reason given to the client.
    Refused(&'static str),
}

/// A parsed listing request.
pub struct Listing {
    pub query: ProductQuery,
    pub page: PageRequest,
    /// `in_stock=true`: only products with a variant available now.
    pub in_stock: bool,
    /// The parameter each entry of `query.options` came from.
    option_params: Vec<String>,
    /// The parameter each entry of `query.attributes` came from.
    attribute_params: Vec<String>,
}

fn sort_order(value: &str) -> Option<SortOrder> {
    Some(match value {
        "relevance" => SortOrder::Relevance,
        "price_asc" => SortOrder::PriceAsc,
        "price_desc" => SortOrder::PriceDesc,
        "newest" => SortOrder::Newest,
        "title" => SortOrder::Title,
        _ => return None,
    })
}

/// Comma-separated values; an empty one is an error of `param`.
fn values(param: &str, raw: &str, errors: &mut Vec<FieldError>) -> Vec<String> {
    let parts: Vec<String> = raw.split(',').map(|v| v.trim().to_owned()).collect();
    if parts.iter().any(String::is_empty) {
        errors.push(FieldError::new(
            format!("/{param}"),
            "must be one or more comma-separated values, none empty",
        ));
    }
    parts.into_iter().filter(|v| !v.is_empty()).collect()
}

impl Listing {
    /// Parses the query string; a 400 problem lists every bad parameter, the catalog's
    /// findings included. `in_stock` is accepted where `stock_filter` says it can be
    /// applied, and refused with `stock_filter`'s reason elsewhere.
    pub fn parse(raw: &str, fixed: Fixed, stock_filter: StockFilter) -> Result<Self, Problem> {
        let mut known = vec![
            "in_stock",
            "q",
            "currency",
            "min_price",
            "max_price",
            "brand",
            "sort",
            "limit",
            "after",
        ];
        match fixed {
            Fixed::None => known.extend(["category", "collection"]),
            Fixed::Category(_) => known.push("collection"),
            Fixed::Collection(_) => known.push("category"),
        }
        let mut q = Query::parse_with_prefixes(raw, &known, &["option.", "attr."]);
        let text = q.text("q");
        let currency = q.text("currency");
        let category = q.text("category");
        let collection = q.text("collection");
        let brand = q.text("brand");
        let sort = q.text("sort");
        let limit = q.u32("limit");
        let after = q.text("after");
        let in_stock = match (q.text("in_stock").as_deref(), stock_filter) {
            (None, _) => false,
            (Some(_), StockFilter::Refused(why)) => {
                q.reject("in_stock", why);
                false
            }
            (Some("true"), StockFilter::Allowed) => true,
            (Some(_), StockFilter::Allowed) => {
                q.reject(
                    "in_stock",
                    "must be true (leave it out to list products whatever their stock)",
                );
                false
            }
        };
        let price = |q: &mut Query, name: &str| -> Option<i64> {
            let raw = q.text(name)?;
            let parsed = raw
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| raw.parse::<i64>().ok())
                .flatten();
            if parsed.is_none() {
                q.reject(name, "must be a whole number of minor units, 0 or more");
            }
            parsed
        };
        let min = price(&mut q, "min_price");
        let max = price(&mut q, "max_price");
        let sort = match sort.as_deref() {
            None => SortOrder::Relevance,
            Some(s) => sort_order(s).unwrap_or_else(|| {
                q.reject(
                    "sort",
                    "must be one of relevance, price_asc, price_desc, newest, title",
                );
                SortOrder::Relevance
            }),
        };
        let option_pairs = q.prefixed("option.");
        let attr_pairs = q.prefixed("attr.");
        let mut errors = q.into_errors();

        let mut options = Vec::new();
        let mut option_params = Vec::new();
        for (name, raw) in option_pairs {
            let param = format!("option.{name}");
            for value in values(&param, &raw, &mut errors) {
                options.push(OptionValue {
                    option: name.clone(),
                    value,
                });
                option_params.push(param.clone());
            }
        }
        let mut attributes = Vec::new();
        let mut attribute_params = Vec::new();
        let named = brand
            .map(|b| ("brand".to_owned(), "brand".to_owned(), b))
            .into_iter()
            .chain(
                attr_pairs
                    .into_iter()
                    .map(|(n, v)| (format!("attr.{n}"), n, v)),
            );
        for (param, name, raw) in named {
            for value in values(&param, &raw, &mut errors) {
                attributes.push(Attribute {
                    name: name.clone(),
                    value,
                });
                attribute_params.push(param.clone());
            }
        }

        // Categories and collections are named by id, path or slug; the catalog resolves.
        let category = match fixed {
            Fixed::Category(ref id) => Some(id.clone()),
            _ => category.and_then(|key| match catalog::get_category(&key) {
                Ok(c) => Some(c.id),
                Err(_) => {
                    errors.push(FieldError::new(
                        "/category",
                        "is not the id or path of a category",
                    ));
                    None
                }
            }),
        };
        let collection = match fixed {
            Fixed::Collection(ref id) => Some(id.clone()),
            _ => collection.and_then(|key| match catalog::get_collection(&key) {
                Ok(c) => Some(c.id),
                Err(_) => {
                    errors.push(FieldError::new(
                        "/collection",
                        "is not the id or slug of a collection",
                    ));
                    None
                }
            }),
        };

        let listing = Listing {
            query: ProductQuery {
                text,
                category,
                collection,
                currency,
                price: (min.is_some() || max.is_some()).then_some(PriceRange { min, max }),
                options,
                attributes,
                sort,
            },
            page: PageRequest {
                after,
                limit: limit.unwrap_or(0),
            },
            in_stock,
            option_params,
            attribute_params,
        };
        if errors.is_empty() {
            return Ok(listing);
        }
        // Add what the catalog finds wrong with the values that did parse.
        if let Err(Error::InvalidInput(found)) =
            catalog::list_products(&listing.query, &listing.page)
        {
            for e in found {
                let e = listing.field_error(e.path, e.message);
                if !errors.iter().any(|known| known.path == e.path) {
                    errors.push(e);
                }
            }
        }
        Err(Problem::invalid_input(errors))
    }

    /// A catalog field error under the parameter name it concerns.
    fn field_error(&self, path: String, message: String) -> FieldError {
        let mut parts = path.trim_start_matches('/').split('/');
        let param = match (parts.next(), parts.next()) {
            (Some("text"), _) => "q".to_owned(),
            (Some("price"), Some("min")) => "min_price".to_owned(),
            (Some("price"), Some("max")) => "max_price".to_owned(),
            (Some("options"), Some(k)) => k
                .parse::<usize>()
                .ok()
                .and_then(|k| self.option_params.get(k).cloned())
                .unwrap_or_else(|| "option".to_owned()),
            (Some("attributes"), Some(k)) => k
                .parse::<usize>()
                .ok()
                .and_then(|k| self.attribute_params.get(k).cloned())
                .unwrap_or_else(|| "attr".to_owned()),
            (Some(other), _) => other.to_owned(),
            (None, _) => String::new(),
        };
        FieldError::new(format!("/{param}"), message)
    }

    /// The problem for a catalog error of this listing.
    pub fn problem(&self, e: Error) -> Problem {
        match e {
            Error::InvalidInput(errors) => Problem::invalid_input(
                errors
                    .into_iter()
                    .map(|e| self.field_error(e.path, e.message))
                    .collect(),
            ),
            e => crate::problem(e),
        }
    }
}
