//! The catalog's SQL. Every value reaches SQLite as a parameter; the only text assembled at
//! run time joins constant fragments and `?` placeholders.
//!
//! Lists a product shows as a whole (images, attributes, option names, a variant's option
//! values) are JSON text columns; what is filtered or joined on has its own table.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use capability_kit::db::{self, i, int, opt_i, opt_int, opt_t, opt_text, t, text};
use capability_kit::{clock, ids};
use serde::{Deserialize, Serialize};
use spin_sdk::sqlite::{self, Connection, RowResult, Value};

use crate::commerce::shop::types::Money;
use crate::exports::commerce::shop::catalog::{
    Attribute, Category, Error, Image, OptionValue, Product, ProductStatus, ProductSummary, Variant,
};
use crate::exports::commerce::shop::catalog_admin::{NewCategory, NewProduct};
use crate::{CATEGORY_PREFIX, PRODUCT_PREFIX, VARIANT_PREFIX, schema};

/// Set once this instance has checked the schema; an instance lives for one request in
/// Spin, so each request pays one `SELECT` for it.
static SCHEMA_READY: AtomicBool = AtomicBool::new(false);

const PRODUCT_COLUMNS: &str =
    "id, slug, title, description, status, images, attributes, options, created_at, updated_at";

/// An open catalog database with an up-to-date schema.
pub struct Store {
    conn: Connection,
}

/// How a product is looked up.
pub enum ProductKey<'a> {
    Id(&'a str),
    Slug(&'a str),
}

/// What a product listing shows, already validated.
pub struct ListFilter {
    /// Only products in the category with this path or below it.
    pub category_path: Option<String>,
    /// Only products with a price in this currency.
    pub currency: Option<String>,
    /// Only products created before this one: its (seq, id), as the cursor carries them.
    pub after: Option<(i64, String)>,
}

#[derive(Serialize, Deserialize)]
struct ImageJson {
    url: String,
    alt: String,
}

#[derive(Serialize, Deserialize)]
struct AttributeJson {
    name: String,
    value: String,
}

#[derive(Serialize, Deserialize)]
struct OptionValueJson {
    option: String,
    value: String,
}

fn to_json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Other(format!("catalog: encoding JSON: {e}")))
}

fn from_json<'a, T: Deserialize<'a>>(json: &'a str) -> Result<T, Error> {
    serde_json::from_str(json)
        .map_err(|e| Error::Storage(format!("catalog: a stored JSON column is corrupt: {e}")))
}

fn status_text(status: ProductStatus) -> &'static str {
    match status {
        ProductStatus::Draft => "draft",
        ProductStatus::Published => "published",
        ProductStatus::Archived => "archived",
    }
}

fn status_from(text: &str) -> Result<ProductStatus, Error> {
    match text {
        "draft" => Ok(ProductStatus::Draft),
        "published" => Ok(ProductStatus::Published),
        "archived" => Ok(ProductStatus::Archived),
        other => Err(Error::Storage(format!(
            "catalog: unknown product status {other:?}"
        ))),
    }
}

/// Turns a UNIQUE failure on `table_column` into `conflict(what)`, anything else into a
/// storage error.
fn conflict_on(e: sqlite::Error, table_column: &str, what: &str) -> Error {
    if db::is_unique_violation(&e, table_column) {
        Error::Conflict(what.to_owned())
    } else {
        e.into()
    }
}

fn u32_from(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// Opens the default database, creating or migrating the catalog tables if needed.
    pub fn open() -> Result<Self, Error> {
        let conn = Connection::open_default()?;
        if !SCHEMA_READY.load(Ordering::Relaxed) {
            db::migrate(&conn, schema::VERSION_TABLE, schema::MIGRATIONS)?;
            SCHEMA_READY.store(true, Ordering::Relaxed);
        }
        Ok(Self { conn })
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<RowResult>, Error> {
        Ok(self.conn.execute(sql, params)?.rows)
    }

    /// The path of a category, or `None` when there is no category with that id.
    pub fn category_path(&self, id: &str) -> Result<Option<String>, Error> {
        if !ids::is_id_of(id, CATEGORY_PREFIX) {
            return Ok(None);
        }
        let rows = self.query("SELECT path FROM catalog_categories WHERE id = ?", &[t(id)])?;
        rows.first()
            .map(|r| text(r, 0))
            .transpose()
            .map_err(Into::into)
    }

    /// Up to `limit` published products matching `filter`, newest first, and, when more
    /// follow, the `seq` of the last one shown (where the next page starts).
    pub fn list_published(
        &self,
        filter: &ListFilter,
        limit: u32,
    ) -> Result<(Vec<ProductSummary>, Option<i64>), Error> {
        let mut sql = String::from(
            "SELECT p.id, p.slug, p.title, p.images, p.created_at, p.seq FROM catalog_products p \
             WHERE p.status = 'published'",
        );
        let mut params = Vec::new();
        if let Some((seq, _id)) = &filter.after {
            sql.push_str(" AND p.seq < ?");
            params.push(i(*seq));
        }
        if let Some(path) = &filter.category_path {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM catalog_product_categories pc \
                 JOIN catalog_categories c ON c.id = pc.category_id \
                 WHERE pc.product_id = p.id AND (c.path = ? OR substr(c.path, 1, ?) = ?))",
            );
            let prefix = format!("{path}/");
            params.extend([
                t(path.as_str()),
                i(i64::try_from(prefix.len()).unwrap_or(i64::MAX)),
                t(prefix),
            ]);
        }
        if let Some(currency) = &filter.currency {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM catalog_variants v \
                 JOIN catalog_variant_prices vp ON vp.variant_id = v.id \
                 WHERE v.product_id = p.id AND vp.currency = ?)",
            );
            params.push(t(currency.as_str()));
        }
        sql.push_str(" ORDER BY p.seq DESC LIMIT ?");
        params.push(i(limit + 1));

        let rows = self.query(&sql, &params)?;
        let more = rows.len() > limit as usize;
        // The position of the last item shown, when a next page exists.
        let next_after = if more {
            rows.get(limit as usize - 1)
                .map(|row| int(row, 5))
                .transpose()?
        } else {
            None
        };
        let mut items = Vec::with_capacity(rows.len().min(limit as usize));
        for row in rows.iter().take(limit as usize) {
            let images: Vec<ImageJson> = from_json(&text(row, 3)?)?;
            items.push(ProductSummary {
                id: text(row, 0)?,
                slug: text(row, 1)?,
                title: text(row, 2)?,
                image: images.into_iter().next().map(|im| Image {
                    url: im.url,
                    alt: im.alt,
                }),
                price_from: Vec::new(),
                created_at: int(row, 4)?,
            });
        }
        self.fill_price_from(&mut items)?;
        Ok((items, next_after))
    }

    /// Sets each summary's lowest variant price per currency, ordered by currency.
    fn fill_price_from(&self, items: &mut [ProductSummary]) -> Result<(), Error> {
        if items.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT v.product_id, vp.currency, MIN(vp.amount) \
             FROM catalog_variant_prices vp JOIN catalog_variants v ON v.id = vp.variant_id \
             WHERE v.product_id IN ({}) \
             GROUP BY v.product_id, vp.currency ORDER BY vp.currency",
            db::placeholders(items.len())
        );
        let params: Vec<Value> = items.iter().map(|p| t(p.id.as_str())).collect();
        let mut by_product: HashMap<String, Vec<Money>> = HashMap::new();
        for row in self.query(&sql, &params)? {
            by_product.entry(text(&row, 0)?).or_default().push(Money {
                currency: text(&row, 1)?,
                amount: int(&row, 2)?,
            });
        }
        for item in items {
            item.price_from = by_product.remove(&item.id).unwrap_or_default();
        }
        Ok(())
    }

    /// A product with its variants, prices and categories; only a published one when
    /// `published_only`.
    pub fn product(
        &self,
        key: ProductKey<'_>,
        published_only: bool,
    ) -> Result<Option<Product>, Error> {
        let (column, value) = match key {
            ProductKey::Id(id) => ("id", id),
            ProductKey::Slug(slug) => ("slug", slug),
        };
        let visibility = if published_only {
            " AND status = 'published'"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM catalog_products WHERE {column} = ?{visibility}"
        );
        let rows = self.query(&sql, &[t(value)])?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let id = text(row, 0)?;
        let images: Vec<ImageJson> = from_json(&text(row, 5)?)?;
        let attributes: Vec<AttributeJson> = from_json(&text(row, 6)?)?;
        let options: Vec<String> = from_json(&text(row, 7)?)?;
        Ok(Some(Product {
            slug: text(row, 1)?,
            title: text(row, 2)?,
            description: text(row, 3)?,
            status: status_from(&text(row, 4)?)?,
            images: images
                .into_iter()
                .map(|im| Image {
                    url: im.url,
                    alt: im.alt,
                })
                .collect(),
            attributes: attributes
                .into_iter()
                .map(|a| Attribute {
                    name: a.name,
                    value: a.value,
                })
                .collect(),
            options,
            variants: self.variants(&id)?,
            category_ids: self.product_category_ids(&id)?,
            created_at: int(row, 8)?,
            updated_at: int(row, 9)?,
            id,
        }))
    }

    fn variants(&self, product_id: &str) -> Result<Vec<Variant>, Error> {
        // Prices first, grouped by variant: (prices, compare-at prices), in input order.
        let mut prices: HashMap<String, (Vec<Money>, Vec<Money>)> = HashMap::new();
        for row in self.query(
            "SELECT vp.variant_id, vp.currency, vp.amount, vp.compare_at_amount \
             FROM catalog_variant_prices vp JOIN catalog_variants v ON v.id = vp.variant_id \
             WHERE v.product_id = ? ORDER BY vp.variant_id, vp.position",
            &[t(product_id)],
        )? {
            let currency = text(&row, 1)?;
            let entry = prices.entry(text(&row, 0)?).or_default();
            if let Some(amount) = opt_int(&row, 3)? {
                entry.1.push(Money {
                    amount,
                    currency: currency.clone(),
                });
            }
            entry.0.push(Money {
                amount: int(&row, 2)?,
                currency,
            });
        }

        let rows = self.query(
            "SELECT id, sku, title, options, weight_grams, barcode FROM catalog_variants \
             WHERE product_id = ? ORDER BY position",
            &[t(product_id)],
        )?;
        let mut variants = Vec::with_capacity(rows.len());
        for row in &rows {
            let id = text(row, 0)?;
            let options: Vec<OptionValueJson> = from_json(&text(row, 3)?)?;
            let (prices, compare_at_prices) = prices.remove(&id).unwrap_or_default();
            variants.push(Variant {
                sku: text(row, 1)?,
                title: text(row, 2)?,
                options: options
                    .into_iter()
                    .map(|o| OptionValue {
                        option: o.option,
                        value: o.value,
                    })
                    .collect(),
                prices,
                compare_at_prices,
                weight_grams: opt_int(row, 4)?.map(u32_from),
                barcode: opt_text(row, 5)?,
                id,
            });
        }
        Ok(variants)
    }

    fn product_category_ids(&self, product_id: &str) -> Result<Vec<String>, Error> {
        self.query(
            "SELECT category_id FROM catalog_product_categories WHERE product_id = ? \
             ORDER BY position",
            &[t(product_id)],
        )?
        .iter()
        .map(|r| text(r, 0).map_err(Into::into))
        .collect()
    }

    /// The category tree in depth-first order: parents before children, siblings by
    /// position (then slug).
    pub fn categories(&self) -> Result<Vec<Category>, Error> {
        let rows = self.query(
            "SELECT id, slug, name, parent_id, path, position FROM catalog_categories \
             ORDER BY position, slug, id",
            &[],
        )?;
        let mut children: HashMap<Option<String>, Vec<Category>> = HashMap::new();
        for row in &rows {
            let category = Category {
                id: text(row, 0)?,
                slug: text(row, 1)?,
                name: text(row, 2)?,
                parent: opt_text(row, 3)?,
                path: text(row, 4)?,
                position: u32_from(int(row, 5)?),
            };
            children
                .entry(category.parent.clone())
                .or_default()
                .push(category);
        }
        let mut ordered = Vec::with_capacity(rows.len());
        // Depth-first with an explicit stack; siblings are pushed in reverse so that the
        // first by position comes out first.
        let mut stack: Vec<Category> = children.remove(&None).unwrap_or_default();
        stack.reverse();
        while let Some(category) = stack.pop() {
            if let Some(mut kids) = children.remove(&Some(category.id.clone())) {
                kids.reverse();
                stack.extend(kids);
            }
            ordered.push(category);
        }
        // Categories whose parent is missing cannot be created; should one exist anyway,
        // list it rather than hide it.
        let mut orphans: Vec<Category> = children.into_values().flatten().collect();
        orphans.sort_by(|a, b| a.path.cmp(&b.path));
        ordered.extend(orphans);
        Ok(ordered)
    }

    /// Creates a product, its variants, prices and category links in one transaction.
    /// The input is already validated.
    pub fn create_product(&self, input: &NewProduct) -> Result<Product, Error> {
        db::transaction(&self.conn, |conn| {
            if !input.category_ids.is_empty() {
                if !input
                    .category_ids
                    .iter()
                    .all(|id| ids::is_id_of(id, CATEGORY_PREFIX))
                {
                    return Err(Error::NotFound);
                }
                let sql = format!(
                    "SELECT COUNT(*) FROM catalog_categories WHERE id IN ({})",
                    db::placeholders(input.category_ids.len())
                );
                let params: Vec<Value> =
                    input.category_ids.iter().map(|id| t(id.as_str())).collect();
                let found = self
                    .query(&sql, &params)?
                    .first()
                    .map(|r| int(r, 0))
                    .transpose()?
                    .unwrap_or(0);
                if found != input.category_ids.len() as i64 {
                    return Err(Error::NotFound);
                }
            }
            if !self
                .query(
                    "SELECT 1 FROM catalog_products WHERE slug = ?",
                    &[t(input.slug.as_str())],
                )?
                .is_empty()
            {
                return Err(Error::Conflict("slug".into()));
            }
            let sql = format!(
                "SELECT 1 FROM catalog_variants WHERE sku IN ({}) LIMIT 1",
                db::placeholders(input.variants.len())
            );
            let skus: Vec<Value> = input.variants.iter().map(|v| t(v.sku.as_str())).collect();
            if !self.query(&sql, &skus)?.is_empty() {
                return Err(Error::Conflict("sku".into()));
            }

            let now = clock::now_ms();
            let id = ids::new_id(PRODUCT_PREFIX);
            let images: Vec<ImageJson> = input
                .images
                .iter()
                .map(|im| ImageJson {
                    url: im.url.clone(),
                    alt: im.alt.clone(),
                })
                .collect();
            let attributes: Vec<AttributeJson> = input
                .attributes
                .iter()
                .map(|a| AttributeJson {
                    name: a.name.clone(),
                    value: a.value.clone(),
                })
                .collect();
            conn.execute(
                "INSERT INTO catalog_products \
                 (id, slug, title, description, status, images, attributes, options, \
                 created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM catalog_products))",
                &[
                    t(id.as_str()),
                    t(input.slug.as_str()),
                    t(input.title.as_str()),
                    t(input.description.as_str()),
                    t(status_text(input.status)),
                    t(to_json(&images)?),
                    t(to_json(&attributes)?),
                    t(to_json(&input.options)?),
                    i(now),
                    i(now),
                ],
            )
            .map_err(|e| conflict_on(e, "catalog_products.slug", "slug"))?;

            for (position, v) in input.variants.iter().enumerate() {
                let variant_id = ids::new_id(VARIANT_PREFIX);
                let options: Vec<OptionValueJson> = v
                    .options
                    .iter()
                    .map(|o| OptionValueJson {
                        option: o.option.clone(),
                        value: o.value.clone(),
                    })
                    .collect();
                conn.execute(
                    "INSERT INTO catalog_variants \
                     (id, product_id, position, sku, title, options, weight_grams, barcode) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    &[
                        t(variant_id.as_str()),
                        t(id.as_str()),
                        i(position as i64),
                        t(v.sku.as_str()),
                        t(v.title.as_str()),
                        t(to_json(&options)?),
                        opt_i(v.weight_grams),
                        opt_t(v.barcode.as_deref()),
                    ],
                )
                .map_err(|e| conflict_on(e, "catalog_variants.sku", "sku"))?;
                for (k, price) in v.prices.iter().enumerate() {
                    let compare_at = v
                        .compare_at_prices
                        .iter()
                        .find(|c| c.currency == price.currency)
                        .map(|c| c.amount);
                    conn.execute(
                        "INSERT INTO catalog_variant_prices \
                         (variant_id, currency, position, amount, compare_at_amount) \
                         VALUES (?, ?, ?, ?, ?)",
                        &[
                            t(variant_id.as_str()),
                            t(price.currency.as_str()),
                            i(k as i64),
                            i(price.amount),
                            opt_i(compare_at),
                        ],
                    )?;
                }
            }
            for (position, category_id) in input.category_ids.iter().enumerate() {
                conn.execute(
                    "INSERT INTO catalog_product_categories (product_id, category_id, position) \
                     VALUES (?, ?, ?)",
                    &[t(id.as_str()), t(category_id.as_str()), i(position as i64)],
                )?;
            }
            self.product(ProductKey::Id(&id), false)?.ok_or_else(|| {
                Error::Storage("catalog: a product vanished as it was written".into())
            })
        })
    }

    /// Creates a category under its parent, or at the root. The input is already validated.
    pub fn create_category(&self, input: &NewCategory) -> Result<Category, Error> {
        db::transaction(&self.conn, |conn| {
            let path = match &input.parent {
                None => input.slug.clone(),
                Some(parent) => {
                    let parent_path = self.category_path(parent)?.ok_or(Error::NotFound)?;
                    format!("{parent_path}/{}", input.slug)
                }
            };
            if !self
                .query(
                    "SELECT 1 FROM catalog_categories WHERE path = ?",
                    &[t(path.as_str())],
                )?
                .is_empty()
            {
                return Err(Error::Conflict("slug".into()));
            }
            let category = Category {
                id: ids::new_id(CATEGORY_PREFIX),
                slug: input.slug.clone(),
                name: input.name.clone(),
                parent: input.parent.clone(),
                path,
                position: input.position,
            };
            conn.execute(
                "INSERT INTO catalog_categories \
                 (id, slug, name, parent_id, path, position, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
                &[
                    t(category.id.as_str()),
                    t(category.slug.as_str()),
                    t(category.name.as_str()),
                    opt_t(category.parent.as_deref()),
                    t(category.path.as_str()),
                    i(category.position),
                    i(clock::now_ms()),
                ],
            )
            .map_err(|e| conflict_on(e, "catalog_categories.path", "slug"))?;
            Ok(category)
        })
    }
}
