//! The JSON bodies of this API (snake_case; money as `{"amount", "currency"}` in minor
//! units; timestamps as milliseconds since the Unix epoch). Each mirrors a WIT record and
//! a schema in openapi.json; change them together. Stock (`in_stock`, `availability`) comes
//! from the inventory, merged in by `stock.rs`.

use serde::Serialize;

use crate::stock::{Availability, Levels};

use crate::bindings::commerce::catalog::catalog as wit;
use commerce_types::types as wit_types;

/// Money's JSON form is `commerce-types`' (`{"amount", "currency"}`, minor units).
pub use wit_types::Money;

fn money(list: Vec<Money>) -> Vec<Money> {
    list
}

#[derive(Serialize)]
pub struct Image {
    pub url: String,
    pub alt: String,
}

impl From<wit::Image> for Image {
    fn from(i: wit::Image) -> Self {
        Self {
            url: i.url,
            alt: i.alt,
        }
    }
}

#[derive(Serialize)]
pub struct ProductSummary {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub image: Option<Image>,
    pub price_from: Vec<Money>,
    /// Whether a variant of the product has a unit available now.
    pub in_stock: bool,
    pub created_at: i64,
}

/// `GET /api/products`
#[derive(Serialize)]
pub struct ProductList {
    pub items: Vec<ProductSummary>,
    pub next: Option<String>,
}

impl ProductSummary {
    pub fn new(p: wit::ProductSummary, in_stock: bool) -> Self {
        Self {
            id: p.id,
            slug: p.slug,
            title: p.title,
            image: p.image.map(Image::from),
            price_from: money(p.price_from),
            in_stock,
            created_at: p.created_at,
        }
    }
}

fn summaries(items: Vec<wit::ProductSummary>, in_stock: Vec<bool>) -> Vec<ProductSummary> {
    items
        .into_iter()
        .zip(in_stock)
        .map(|(p, in_stock)| ProductSummary::new(p, in_stock))
        .collect()
}

impl ProductList {
    /// A page of summaries, each with its product's `in_stock` flag.
    pub fn new(items: Vec<(wit::ProductSummary, bool)>, next: Option<String>) -> Self {
        Self {
            items: items
                .into_iter()
                .map(|(p, in_stock)| ProductSummary::new(p, in_stock))
                .collect(),
            next,
        }
    }
}

#[derive(Serialize)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u32,
}

fn facet_values(values: Vec<wit::FacetValue>) -> Vec<FacetValue> {
    values
        .into_iter()
        .map(|v| FacetValue {
            value: v.value,
            label: v.label,
            count: v.count,
        })
        .collect()
}

#[derive(Serialize)]
pub struct OptionFacet {
    pub option: String,
    pub values: Vec<FacetValue>,
}

#[derive(Serialize)]
pub struct PriceBucket {
    pub min: i64,
    pub max: Option<i64>,
    pub count: u32,
}

#[derive(Serialize)]
pub struct Facets {
    pub categories: Vec<FacetValue>,
    pub options: Vec<OptionFacet>,
    pub price_buckets: Vec<PriceBucket>,
    pub brands: Vec<FacetValue>,
}

/// `GET /api/search`
#[derive(Serialize)]
pub struct SearchResult {
    pub items: Vec<ProductSummary>,
    pub next: Option<String>,
    pub total: u32,
    pub facets: Facets,
}

impl SearchResult {
    /// The result, `in_stock` giving each item's flag in order.
    pub fn new(r: wit::SearchResult, in_stock: Vec<bool>) -> Self {
        Self {
            items: summaries(r.items, in_stock),
            next: r.page.next,
            total: r.total,
            facets: Facets {
                categories: facet_values(r.facets.categories),
                options: r
                    .facets
                    .options
                    .into_iter()
                    .map(|o| OptionFacet {
                        option: o.option,
                        values: facet_values(o.values),
                    })
                    .collect(),
                price_buckets: r
                    .facets
                    .price_buckets
                    .into_iter()
                    .map(|b| PriceBucket {
                        min: b.min,
                        max: b.max,
                        count: b.count,
                    })
                    .collect(),
                brands: facet_values(r.facets.brands),
            },
        }
    }
}

#[derive(Serialize)]
pub struct Attribute {
    pub name: String,
    pub value: String,
}

#[derive(Serialize)]
pub struct OptionValue {
    pub option: String,
    pub value: String,
}

#[derive(Serialize)]
pub struct Variant {
    pub id: String,
    pub sku: String,
    pub title: String,
    pub options: Vec<OptionValue>,
    pub prices: Vec<Money>,
    pub compare_at_prices: Vec<Money>,
    pub weight_grams: Option<u32>,
    pub barcode: Option<String>,
    pub availability: Availability,
}

/// `GET /api/products/{id-or-slug}`
#[derive(Serialize)]
pub struct Product {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub status: &'static str,
    pub images: Vec<Image>,
    pub attributes: Vec<Attribute>,
    pub options: Vec<String>,
    pub variants: Vec<Variant>,
    /// Whether a variant has a unit available now.
    pub in_stock: bool,
    pub category_ids: Vec<String>,
    /// The categories of `category_ids`, for breadcrumbs.
    pub categories: Vec<CategoryRef>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Serialize)]
pub struct CategoryRef {
    pub id: String,
    pub name: String,
    pub path: String,
}

impl Product {
    /// The product, its categories looked up in the tree `all`, its variants' stock in
    /// `stock`.
    pub fn new(p: wit::Product, all: &[wit::Category], stock: &Levels) -> Self {
        let categories = p
            .category_ids
            .iter()
            .filter_map(|id| all.iter().find(|c| &c.id == id))
            .map(|c| CategoryRef {
                id: c.id.clone(),
                name: c.name.clone(),
                path: c.path.clone(),
            })
            .collect();
        Self {
            categories,
            in_stock: stock.any_available(p.variants.iter().map(|v| &v.id)),
            id: p.id,
            slug: p.slug,
            title: p.title,
            description: p.description,
            status: match p.status {
                wit::ProductStatus::Draft => "draft",
                wit::ProductStatus::Published => "published",
                wit::ProductStatus::Archived => "archived",
            },
            images: p.images.into_iter().map(Image::from).collect(),
            attributes: p
                .attributes
                .into_iter()
                .map(|a| Attribute {
                    name: a.name,
                    value: a.value,
                })
                .collect(),
            options: p.options,
            variants: p
                .variants
                .into_iter()
                .map(|v| Variant {
                    availability: stock.variant(&v.id),
                    id: v.id,
                    sku: v.sku,
                    title: v.title,
                    options: v
                        .options
                        .into_iter()
                        .map(|o| OptionValue {
                            option: o.option,
                            value: o.value,
                        })
                        .collect(),
                    prices: money(v.prices),
                    compare_at_prices: money(v.compare_at_prices),
                    weight_grams: v.weight_grams,
                    barcode: v.barcode,
                })
                .collect(),
            category_ids: p.category_ids,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Serialize)]
pub struct Category {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub parent: Option<String>,
    pub path: String,
    pub position: u32,
}

/// `GET /api/categories`
#[derive(Serialize)]
pub struct CategoryList {
    pub items: Vec<Category>,
}

impl From<wit::Category> for Category {
    fn from(c: wit::Category) -> Self {
        Self {
            id: c.id,
            slug: c.slug,
            name: c.name,
            parent: c.parent,
            path: c.path,
            position: c.position,
        }
    }
}

impl From<Vec<wit::Category>> for CategoryList {
    fn from(categories: Vec<wit::Category>) -> Self {
        Self {
            items: categories.into_iter().map(Category::from).collect(),
        }
    }
}

/// `GET /api/categories/{id-or-path}`
#[derive(Serialize)]
pub struct CategoryPage {
    pub category: Category,
    pub children: Vec<Category>,
    pub products: ProductList,
}

impl CategoryPage {
    pub fn new(
        category: wit::Category,
        children: Vec<wit::Category>,
        products: ProductList,
    ) -> Self {
        Self {
            category: category.into(),
            children: children.into_iter().map(Category::from).collect(),
            products,
        }
    }
}

#[derive(Serialize)]
pub struct Collection {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub product_ids: Vec<String>,
}

impl From<wit::Collection> for Collection {
    fn from(c: wit::Collection) -> Self {
        Self {
            id: c.id,
            slug: c.slug,
            title: c.title,
            description: c.description,
            product_ids: c.product_ids,
        }
    }
}

/// `GET /api/collections`
#[derive(Serialize)]
pub struct CollectionList {
    pub items: Vec<Collection>,
}

impl From<Vec<wit::Collection>> for CollectionList {
    fn from(collections: Vec<wit::Collection>) -> Self {
        Self {
            items: collections.into_iter().map(Collection::from).collect(),
        }
    }
}

/// `GET /api/collections/{id-or-slug}`
#[derive(Serialize)]
pub struct CollectionPage {
    pub collection: Collection,
    pub products: ProductList,
}

impl CollectionPage {
    pub fn new(collection: wit::Collection, products: ProductList) -> Self {
        Self {
            collection: collection.into(),
            products,
        }
    }
}
