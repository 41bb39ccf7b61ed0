//! The catalog's SQL. Every value reaches SQLite as a parameter; the only text assembled at
//! run time joins constant fragments and `?` placeholders.
//!
//! Lists a product shows as a whole (images, attributes, option names, a variant's option
//! values) are JSON text columns; what is filtered or joined on has its own table, kept in
//! step by [`Store::reindex`] in the transaction of every product write.

use std::collections::HashMap;

use capability_kit::db::{self, i, int, opt_i, opt_int, opt_t, opt_text, t, text};
use capability_kit::{clock, ids};
use serde::{Deserialize, Serialize};
use spin_sdk::sqlite::{self, Connection, RowResult, Value};

use crate::exports::commerce::catalog::catalog::{
    Attribute, Category, Collection, Error, Image, OptionValue, Product, ProductStatus, Variant,
    VariantInfo,
};
use crate::exports::commerce::catalog::catalog_admin::{
    NewCategory, NewCollection, NewProduct, NewVariant, ProductPatch,
};
use crate::{CATEGORY_PREFIX, COLLECTION_PREFIX, PRODUCT_PREFIX, VARIANT_PREFIX, schema};
use commerce_types::types::Money;

const PRODUCT_COLUMNS: &str = "id, slug, title, description, status, images, attributes, options, \
     created_at, updated_at";

/// Rebuilds the search row of the product `?` (its id, given twice).
const SEARCH_ROW: &str = "INSERT INTO catalog_search (rowid, title, attributes, description) \
     SELECT p.seq, p.title, \
     trim(COALESCE((SELECT group_concat(json_extract(a.value, '$.value'), ' ') \
         FROM json_each(p.attributes) a), '') || ' ' || \
     COALESCE((SELECT group_concat(o.value, ' ') FROM catalog_variant_options o \
         WHERE o.product_id = ?), '')), \
     p.description FROM catalog_products p WHERE p.id = ?";

/// (prices, compare-at prices) per variant id.
type PricesByVariant = HashMap<String, (Vec<Money>, Vec<Money>)>;

/// An open catalog database with an up-to-date schema.
pub struct Store {
    conn: std::rc::Rc<Connection>,
}

/// How a product is looked up.
pub enum ProductKey<'a> {
    Id(&'a str),
    Slug(&'a str),
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

pub(crate) fn from_json<'a, T: Deserialize<'a>>(json: &'a str) -> Result<T, Error> {
    serde_json::from_str(json)
        .map_err(|e| Error::Storage(format!("catalog: a stored JSON column is corrupt: {e}")))
}

pub(crate) fn images_from(json: &str) -> Result<Vec<Image>, Error> {
    let images: Vec<ImageJson> = from_json(json)?;
    Ok(images
        .into_iter()
        .map(|im| Image {
            url: im.url,
            alt: im.alt,
        })
        .collect())
}

fn images_json(images: &[Image]) -> Result<String, Error> {
    to_json(
        &images
            .iter()
            .map(|im| ImageJson {
                url: im.url.clone(),
                alt: im.alt.clone(),
            })
            .collect::<Vec<_>>(),
    )
}

fn attributes_json(attributes: &[Attribute]) -> Result<String, Error> {
    to_json(
        &attributes
            .iter()
            .map(|a| AttributeJson {
                name: a.name.clone(),
                value: a.value.clone(),
            })
            .collect::<Vec<_>>(),
    )
}

fn options_json(options: &[OptionValue]) -> Result<String, Error> {
    to_json(
        &options
            .iter()
            .map(|o| OptionValueJson {
                option: o.option.clone(),
                value: o.value.clone(),
            })
            .collect::<Vec<_>>(),
    )
}

pub(crate) fn status_text(status: ProductStatus) -> &'static str {
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

fn invalid(path: &str, message: &str) -> Error {
    Error::InvalidInput(vec![commerce_types::types::FieldError {
        path: path.to_owned(),
        message: message.to_owned(),
    }])
}

/// A variant's option values as a comparable combination.
fn combination(options: &[OptionValue]) -> Vec<(String, String)> {
    let mut c: Vec<(String, String)> = options
        .iter()
        .map(|o| (o.option.clone(), o.value.clone()))
        .collect();
    c.sort();
    c
}

/// The stored row of a product, for writes.
struct ProductRow {
    id: String,
    slug: String,
    status: ProductStatus,
    options: Vec<String>,
}

impl Store {
    /// Opens the default database, creating or migrating the catalog tables if needed.
    pub fn open() -> Result<Self, Error> {
        let conn = db::instance_connection(schema::VERSION_TABLE, schema::MIGRATIONS)?;
        Ok(Self { conn })
    }

    pub(crate) fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<RowResult>, Error> {
        Ok(self.conn.execute(sql, params)?.rows)
    }

    fn exec(&self, sql: &str, params: &[Value]) -> Result<(), Error> {
        self.conn.execute(sql, params)?;
        Ok(())
    }

    fn exists(&self, sql: &str, params: &[Value]) -> Result<bool, Error> {
        Ok(!self.query(sql, params)?.is_empty())
    }

    fn count(&self, sql: &str, params: &[Value]) -> Result<i64, Error> {
        Ok(self
            .query(sql, params)?
            .first()
            .map(|r| int(r, 0))
            .transpose()?
            .unwrap_or(0))
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction that also bumps the cache generation:
    /// every write goes through here, so no cached read outlives a write.
    fn write<T>(&self, f: impl FnOnce(&Self) -> Result<T, Error>) -> Result<T, Error> {
        db::transaction(&self.conn, |_| {
            let value = f(self)?;
            self.exec(
                "UPDATE catalog_cache_state SET generation = generation + 1 WHERE id = 1",
                &[],
            )?;
            Ok(value)
        })
    }

    /// The cache generation: bumped by every committed write.
    pub fn generation(&self) -> Result<i64, Error> {
        self.count(
            "SELECT generation FROM catalog_cache_state WHERE id = 1",
            &[],
        )
    }

    // --- products: reads -------------------------------------------------------------

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
        let sql = format!("SELECT id FROM catalog_products WHERE {column} = ?{visibility}");
        let Some(row) = self.query(&sql, &[t(value)])?.into_iter().next() else {
            return Ok(None);
        };
        let id = text(&row, 0)?;
        Ok(self.products_by_ids(&[id])?.into_iter().next())
    }

    /// Whole products for `ids`, in that order; unknown ids are left out.
    pub fn products_by_ids(&self, ids: &[String]) -> Result<Vec<Product>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = db::placeholders(ids.len());
        let params: Vec<Value> = ids.iter().map(|id| t(id.as_str())).collect();

        let mut variants = self.variants_of(&list, &params)?;
        let mut categories: HashMap<String, Vec<String>> = HashMap::new();
        for row in self.query(
            &format!(
                "SELECT product_id, category_id FROM catalog_product_categories \
                 WHERE product_id IN ({list}) ORDER BY product_id, position"
            ),
            &params,
        )? {
            categories
                .entry(text(&row, 0)?)
                .or_default()
                .push(text(&row, 1)?);
        }
        let mut found: HashMap<String, Product> = HashMap::new();
        for row in self.query(
            &format!("SELECT {PRODUCT_COLUMNS} FROM catalog_products WHERE id IN ({list})"),
            &params,
        )? {
            let id = text(&row, 0)?;
            let attributes: Vec<AttributeJson> = from_json(&text(&row, 6)?)?;
            let product = Product {
                slug: text(&row, 1)?,
                title: text(&row, 2)?,
                description: text(&row, 3)?,
                status: status_from(&text(&row, 4)?)?,
                images: images_from(&text(&row, 5)?)?,
                attributes: attributes
                    .into_iter()
                    .map(|a| Attribute {
                        name: a.name,
                        value: a.value,
                    })
                    .collect(),
                options: from_json(&text(&row, 7)?)?,
                variants: variants.remove(&id).unwrap_or_default(),
                category_ids: categories.remove(&id).unwrap_or_default(),
                created_at: int(&row, 8)?,
                updated_at: int(&row, 9)?,
                id: id.clone(),
            };
            found.insert(id, product);
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// The variants of the products in the `IN` list, by product, in position order.
    fn variants_of(
        &self,
        list: &str,
        params: &[Value],
    ) -> Result<HashMap<String, Vec<Variant>>, Error> {
        let mut prices = self.prices_where(&format!("v.product_id IN ({list})"), params)?;
        let mut by_product: HashMap<String, Vec<Variant>> = HashMap::new();
        for row in self.query(
            &format!(
                "SELECT product_id, id, sku, title, options, weight_grams, barcode \
                 FROM catalog_variants WHERE product_id IN ({list}) ORDER BY product_id, position"
            ),
            params,
        )? {
            let variant = self.variant_from(&row, 1, &mut prices)?;
            by_product.entry(text(&row, 0)?).or_default().push(variant);
        }
        Ok(by_product)
    }

    /// (prices, compare-at prices) per variant id, in input order, for the variants `v`
    /// matching `condition`.
    fn prices_where(&self, condition: &str, params: &[Value]) -> Result<PricesByVariant, Error> {
        let mut prices = PricesByVariant::new();
        for row in self.query(
            &format!(
                "SELECT vp.variant_id, vp.currency, vp.amount, vp.compare_at_amount \
                 FROM catalog_variant_prices vp JOIN catalog_variants v ON v.id = vp.variant_id \
                 WHERE {condition} ORDER BY vp.variant_id, vp.position"
            ),
            params,
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
        Ok(prices)
    }

    /// A variant from columns `id, sku, title, options, weight_grams, barcode` starting at
    /// `at`.
    fn variant_from(
        &self,
        row: &RowResult,
        at: usize,
        prices: &mut PricesByVariant,
    ) -> Result<Variant, Error> {
        let id = text(row, at)?;
        let options: Vec<OptionValueJson> = from_json(&text(row, at + 3)?)?;
        let (prices, compare_at_prices) = prices.remove(&id).unwrap_or_default();
        Ok(Variant {
            sku: text(row, at + 1)?,
            title: text(row, at + 2)?,
            options: options
                .into_iter()
                .map(|o| OptionValue {
                    option: o.option,
                    value: o.value,
                })
                .collect(),
            prices,
            compare_at_prices,
            weight_grams: opt_int(row, at + 4)?.map(u32_from),
            barcode: opt_text(row, at + 5)?,
            id,
        })
    }

    /// The variants with these ids, in the order asked, with their products; unknown ids
    /// are left out.
    pub fn variant_infos(&self, ids: &[String]) -> Result<Vec<VariantInfo>, Error> {
        let wanted: Vec<&String> = ids
            .iter()
            .filter(|id| ids::is_id_of(id, VARIANT_PREFIX))
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let list = db::placeholders(wanted.len());
        let params: Vec<Value> = wanted.iter().map(|id| t(id.as_str())).collect();
        let mut prices = self.prices_where(&format!("v.id IN ({list})"), &params)?;
        let mut found: HashMap<String, VariantInfo> = HashMap::new();
        for row in self.query(
            &format!(
                "SELECT p.id, p.slug, p.title, p.status, \
                 v.id, v.sku, v.title, v.options, v.weight_grams, v.barcode \
                 FROM catalog_variants v JOIN catalog_products p ON p.id = v.product_id \
                 WHERE v.id IN ({list})"
            ),
            &params,
        )? {
            let variant = self.variant_from(&row, 4, &mut prices)?;
            found.insert(
                variant.id.clone(),
                VariantInfo {
                    product_id: text(&row, 0)?,
                    product_slug: text(&row, 1)?,
                    product_title: text(&row, 2)?,
                    status: status_from(&text(&row, 3)?)?,
                    variant,
                },
            );
        }
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
    }

    /// Products of any status, newest first: up to `limit` ids after `after_seq`, and the
    /// seq of the last one when more follow.
    pub fn admin_page(
        &self,
        status: Option<ProductStatus>,
        text_filter: Option<&str>,
        after_seq: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<Product>, Option<i64>), Error> {
        let mut sql = String::from("SELECT p.id, p.seq FROM catalog_products p WHERE 1 = 1");
        let mut params = Vec::new();
        if let Some(status) = status {
            sql.push_str(" AND p.status = ?");
            params.push(t(status_text(status)));
        }
        if let Some(needle) = text_filter {
            let needle = needle.to_lowercase();
            sql.push_str(
                " AND (instr(lower(p.title), ?) > 0 OR EXISTS (SELECT 1 FROM catalog_variants v \
                 WHERE v.product_id = p.id AND instr(lower(v.sku), ?) > 0))",
            );
            params.push(t(needle.as_str()));
            params.push(t(needle));
        }
        if let Some(seq) = after_seq {
            sql.push_str(" AND p.seq < ?");
            params.push(i(seq));
        }
        sql.push_str(" ORDER BY p.seq DESC LIMIT ?");
        params.push(i(limit + 1));
        let rows = self.query(&sql, &params)?;
        let more = rows.len() > limit as usize;
        let shown = &rows[..rows.len().min(limit as usize)];
        let next = if more {
            shown.last().map(|r| int(r, 1)).transpose()?
        } else {
            None
        };
        let ids: Vec<String> = shown.iter().map(|r| text(r, 0)).collect::<Result<_, _>>()?;
        Ok((self.products_by_ids(&ids)?, next))
    }

    // --- products: writes ------------------------------------------------------------

    fn product_row(&self, id: &str) -> Result<Option<ProductRow>, Error> {
        if !ids::is_id_of(id, PRODUCT_PREFIX) {
            return Ok(None);
        }
        let rows = self.query(
            "SELECT id, slug, status, options FROM catalog_products WHERE id = ?",
            &[t(id)],
        )?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(ProductRow {
            id: text(row, 0)?,
            slug: text(row, 1)?,
            status: status_from(&text(row, 2)?)?,
            options: from_json(&text(row, 3)?)?,
        }))
    }

    fn product_id_by_slug(&self, slug: &str) -> Result<Option<String>, Error> {
        self.query("SELECT id FROM catalog_products WHERE slug = ?", &[t(slug)])?
            .first()
            .map(|r| text(r, 0).map_err(Into::into))
            .transpose()
    }

    fn load(&self, id: &str) -> Result<Product, Error> {
        self.products_by_ids(&[id.to_owned()])?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Storage("catalog: a product vanished as it was written".into()))
    }

    /// `not-found` unless every id is a category.
    fn check_categories(&self, category_ids: &[String]) -> Result<(), Error> {
        if category_ids.is_empty() {
            return Ok(());
        }
        if !category_ids
            .iter()
            .all(|id| ids::is_id_of(id, CATEGORY_PREFIX))
        {
            return Err(Error::NotFound);
        }
        let sql = format!(
            "SELECT COUNT(*) FROM catalog_categories WHERE id IN ({})",
            db::placeholders(category_ids.len())
        );
        let params: Vec<Value> = category_ids.iter().map(|id| t(id.as_str())).collect();
        if self.count(&sql, &params)? != category_ids.len() as i64 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    /// `conflict("sku")` when a SKU is used by a variant of another product (or, with
    /// `except_variant`, by any other variant).
    fn check_skus(
        &self,
        skus: &[&str],
        product_id: Option<&str>,
        except_variant: Option<&str>,
    ) -> Result<(), Error> {
        if skus.is_empty() {
            return Ok(());
        }
        let mut sql = format!(
            "SELECT 1 FROM catalog_variants WHERE sku IN ({})",
            db::placeholders(skus.len())
        );
        let mut params: Vec<Value> = skus.iter().map(|s| t(*s)).collect();
        if let Some(product_id) = product_id {
            sql.push_str(" AND product_id <> ?");
            params.push(t(product_id));
        }
        if let Some(variant_id) = except_variant {
            sql.push_str(" AND id <> ?");
            params.push(t(variant_id));
        }
        sql.push_str(" LIMIT 1");
        if self.exists(&sql, &params)? {
            return Err(Error::Conflict("sku".into()));
        }
        Ok(())
    }

    fn insert_variant(
        &self,
        product_id: &str,
        position: i64,
        v: &NewVariant,
    ) -> Result<String, Error> {
        let variant_id = ids::new_id(VARIANT_PREFIX);
        self.conn
            .execute(
                "INSERT INTO catalog_variants \
                 (id, product_id, position, sku, title, options, weight_grams, barcode) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    t(variant_id.as_str()),
                    t(product_id),
                    i(position),
                    t(v.sku.as_str()),
                    t(v.title.as_str()),
                    t(options_json(&v.options)?),
                    opt_i(v.weight_grams),
                    opt_t(v.barcode.as_deref()),
                ],
            )
            .map_err(|e| conflict_on(e, "catalog_variants.sku", "sku"))?;
        self.write_prices(&variant_id, v)?;
        Ok(variant_id)
    }

    fn update_variant_row(
        &self,
        variant_id: &str,
        position: i64,
        v: &NewVariant,
    ) -> Result<(), Error> {
        self.conn
            .execute(
                "UPDATE catalog_variants SET position = ?, sku = ?, title = ?, options = ?, \
                 weight_grams = ?, barcode = ? WHERE id = ?",
                &[
                    i(position),
                    t(v.sku.as_str()),
                    t(v.title.as_str()),
                    t(options_json(&v.options)?),
                    opt_i(v.weight_grams),
                    opt_t(v.barcode.as_deref()),
                    t(variant_id),
                ],
            )
            .map_err(|e| conflict_on(e, "catalog_variants.sku", "sku"))?;
        self.exec(
            "DELETE FROM catalog_variant_prices WHERE variant_id = ?",
            &[t(variant_id)],
        )?;
        self.write_prices(variant_id, v)
    }

    fn write_prices(&self, variant_id: &str, v: &NewVariant) -> Result<(), Error> {
        for (k, price) in v.prices.iter().enumerate() {
            let compare_at = v
                .compare_at_prices
                .iter()
                .find(|c| c.currency == price.currency)
                .map(|c| c.amount);
            self.exec(
                "INSERT INTO catalog_variant_prices \
                 (variant_id, currency, position, amount, compare_at_amount) \
                 VALUES (?, ?, ?, ?, ?)",
                &[
                    t(variant_id),
                    t(price.currency.as_str()),
                    i(k as i64),
                    i(price.amount),
                    opt_i(compare_at),
                ],
            )?;
        }
        Ok(())
    }

    fn delete_variant_rows(&self, variant_id: &str) -> Result<(), Error> {
        self.exec(
            "DELETE FROM catalog_variant_prices WHERE variant_id = ?",
            &[t(variant_id)],
        )?;
        self.exec(
            "DELETE FROM catalog_variant_options WHERE variant_id = ?",
            &[t(variant_id)],
        )?;
        self.exec(
            "DELETE FROM catalog_variants WHERE id = ?",
            &[t(variant_id)],
        )
    }

    fn set_categories(&self, product_id: &str, category_ids: &[String]) -> Result<(), Error> {
        self.exec(
            "DELETE FROM catalog_product_categories WHERE product_id = ?",
            &[t(product_id)],
        )?;
        for (position, category_id) in category_ids.iter().enumerate() {
            self.exec(
                "INSERT INTO catalog_product_categories (product_id, category_id, position) \
                 VALUES (?, ?, ?)",
                &[t(product_id), t(category_id.as_str()), i(position as i64)],
            )?;
        }
        Ok(())
    }

    /// Rebuilds the derived rows of a product: lowest prices, option values, attributes
    /// and its search row.
    fn reindex(&self, product_id: &str) -> Result<(), Error> {
        let id = || t(product_id);
        self.exec(
            "DELETE FROM catalog_product_prices WHERE product_id = ?",
            &[id()],
        )?;
        self.exec(
            "INSERT INTO catalog_product_prices (product_id, currency, min_amount) \
             SELECT v.product_id, vp.currency, MIN(vp.amount) FROM catalog_variant_prices vp \
             JOIN catalog_variants v ON v.id = vp.variant_id WHERE v.product_id = ? \
             GROUP BY vp.currency",
            &[id()],
        )?;
        self.exec(
            "DELETE FROM catalog_variant_options WHERE product_id = ?",
            &[id()],
        )?;
        self.exec(
            "INSERT INTO catalog_variant_options (variant_id, product_id, option, value) \
             SELECT v.id, v.product_id, json_extract(o.value, '$.option'), \
             json_extract(o.value, '$.value') FROM catalog_variants v, json_each(v.options) o \
             WHERE v.product_id = ?",
            &[id()],
        )?;
        self.exec(
            "DELETE FROM catalog_product_attributes WHERE product_id = ?",
            &[id()],
        )?;
        self.exec(
            "INSERT INTO catalog_product_attributes (product_id, name, value) \
             SELECT p.id, json_extract(a.value, '$.name'), json_extract(a.value, '$.value') \
             FROM catalog_products p, json_each(p.attributes) a WHERE p.id = ?",
            &[id()],
        )?;
        self.exec(
            "DELETE FROM catalog_search WHERE rowid = (SELECT seq FROM catalog_products WHERE id = ?)",
            &[id()],
        )?;
        self.exec(SEARCH_ROW, &[id(), id()])
    }

    /// Creates a product, its variants, prices and category links in one transaction.
    /// The input is already validated.
    pub fn create_product(&self, input: &NewProduct) -> Result<Product, Error> {
        self.write(|s| {
            s.check_categories(&input.category_ids)?;
            if s.product_id_by_slug(&input.slug)?.is_some() {
                return Err(Error::Conflict("slug".into()));
            }
            let skus: Vec<&str> = input.variants.iter().map(|v| v.sku.as_str()).collect();
            s.check_skus(&skus, None, None)?;
            let id = s.insert_product(input)?;
            s.load(&id)
        })
    }

    fn insert_product(&self, input: &NewProduct) -> Result<String, Error> {
        let now = clock::now_ms();
        let id = ids::new_id(PRODUCT_PREFIX);
        self.conn
            .execute(
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
                    t(images_json(&input.images)?),
                    t(attributes_json(&input.attributes)?),
                    t(to_json(&input.options)?),
                    i(now),
                    i(now),
                ],
            )
            .map_err(|e| conflict_on(e, "catalog_products.slug", "slug"))?;
        for (position, v) in input.variants.iter().enumerate() {
            self.insert_variant(&id, position as i64, v)?;
        }
        self.set_categories(&id, &input.category_ids)?;
        self.reindex(&id)?;
        Ok(id)
    }

    /// Creates the product with `input.slug` or replaces it entirely; variants keep their
    /// ids when their SKU is kept. Returns the product and whether it was created.
    pub fn put_product(&self, input: &NewProduct) -> Result<(Product, bool), Error> {
        self.write(|s| {
            s.check_categories(&input.category_ids)?;
            let Some(id) = s.product_id_by_slug(&input.slug)? else {
                let skus: Vec<&str> = input.variants.iter().map(|v| v.sku.as_str()).collect();
                s.check_skus(&skus, None, None)?;
                let id = s.insert_product(input)?;
                return Ok((s.load(&id)?, true));
            };
            let skus: Vec<&str> = input.variants.iter().map(|v| v.sku.as_str()).collect();
            s.check_skus(&skus, Some(&id), None)?;
            s.exec(
                "UPDATE catalog_products SET title = ?, description = ?, status = ?, images = ?, \
                 attributes = ?, options = ?, updated_at = ? WHERE id = ?",
                &[
                    t(input.title.as_str()),
                    t(input.description.as_str()),
                    t(status_text(input.status)),
                    t(images_json(&input.images)?),
                    t(attributes_json(&input.attributes)?),
                    t(to_json(&input.options)?),
                    i(clock::now_ms()),
                    t(id.as_str()),
                ],
            )?;
            let mut existing: HashMap<String, String> = HashMap::new();
            for row in s.query(
                "SELECT sku, id FROM catalog_variants WHERE product_id = ?",
                &[t(id.as_str())],
            )? {
                existing.insert(text(&row, 0)?, text(&row, 1)?);
            }
            for (sku, variant_id) in &existing {
                if !input.variants.iter().any(|v| &v.sku == sku) {
                    s.delete_variant_rows(variant_id)?;
                }
            }
            for (position, v) in input.variants.iter().enumerate() {
                match existing.get(&v.sku) {
                    Some(variant_id) => s.update_variant_row(variant_id, position as i64, v)?,
                    None => {
                        s.insert_variant(&id, position as i64, v)?;
                    }
                }
            }
            s.set_categories(&id, &input.category_ids)?;
            s.reindex(&id)?;
            Ok((s.load(&id)?, false))
        })
    }

    /// Applies a validated patch.
    pub fn update_product(&self, id: &str, patch: &ProductPatch) -> Result<Product, Error> {
        self.write(|s| {
            let row = s.product_row(id)?.ok_or(Error::NotFound)?;
            if let Some(category_ids) = &patch.category_ids {
                s.check_categories(category_ids)?;
            }
            if let Some(slug) = &patch.slug
                && *slug != row.slug
                && s.product_id_by_slug(slug)?.is_some()
            {
                return Err(Error::Conflict("slug".into()));
            }
            let mut sets: Vec<&str> = vec!["updated_at = ?"];
            let mut params = vec![i(clock::now_ms())];
            if let Some(slug) = &patch.slug {
                sets.push("slug = ?");
                params.push(t(slug.as_str()));
            }
            if let Some(title) = &patch.title {
                sets.push("title = ?");
                params.push(t(title.as_str()));
            }
            if let Some(description) = &patch.description {
                sets.push("description = ?");
                params.push(t(description.as_str()));
            }
            if let Some(images) = &patch.images {
                sets.push("images = ?");
                params.push(t(images_json(images)?));
            }
            if let Some(attributes) = &patch.attributes {
                sets.push("attributes = ?");
                params.push(t(attributes_json(attributes)?));
            }
            params.push(t(row.id.as_str()));
            s.conn
                .execute(
                    &format!(
                        "UPDATE catalog_products SET {} WHERE id = ?",
                        sets.join(", ")
                    ),
                    &params,
                )
                .map_err(|e| conflict_on(e, "catalog_products.slug", "slug"))?;
            if let Some(category_ids) = &patch.category_ids {
                s.set_categories(&row.id, category_ids)?;
            }
            s.reindex(&row.id)?;
            s.load(&row.id)
        })
    }

    /// Sets a product's status; publishing needs a price on every variant.
    pub fn set_status(&self, id: &str, status: ProductStatus) -> Result<Product, Error> {
        self.write(|s| {
            let row = s.product_row(id)?.ok_or(Error::NotFound)?;
            if status == ProductStatus::Published {
                let product = s.load(&row.id)?;
                let errors: Vec<_> = product
                    .variants
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.prices.is_empty())
                    .map(|(k, _)| commerce_types::types::FieldError {
                        path: format!("/variants/{k}/prices"),
                        message: "must have at least one price when the product is published"
                            .into(),
                    })
                    .collect();
                if !errors.is_empty() {
                    return Err(Error::InvalidInput(errors));
                }
            }
            s.exec(
                "UPDATE catalog_products SET status = ?, updated_at = ? WHERE id = ?",
                &[
                    t(status_text(status)),
                    i(clock::now_ms()),
                    t(row.id.as_str()),
                ],
            )?;
            s.load(&row.id)
        })
    }

    /// Deletes a product and everything that hangs on it.
    pub fn delete_product(&self, id: &str) -> Result<(), Error> {
        self.write(|s| {
            let row = s.product_row(id)?.ok_or(Error::NotFound)?;
            let pid = || t(row.id.as_str());
            s.exec(
                "DELETE FROM catalog_search WHERE rowid = (SELECT seq FROM catalog_products WHERE id = ?)",
                &[pid()],
            )?;
            s.exec(
                "DELETE FROM catalog_variant_prices WHERE variant_id IN \
                 (SELECT id FROM catalog_variants WHERE product_id = ?)",
                &[pid()],
            )?;
            for table in [
                "DELETE FROM catalog_variant_options WHERE product_id = ?",
                "DELETE FROM catalog_variants WHERE product_id = ?",
                "DELETE FROM catalog_product_prices WHERE product_id = ?",
                "DELETE FROM catalog_product_attributes WHERE product_id = ?",
                "DELETE FROM catalog_product_categories WHERE product_id = ?",
                "DELETE FROM catalog_collection_products WHERE product_id = ?",
                "DELETE FROM catalog_products WHERE id = ?",
            ] {
                s.exec(table, &[pid()])?;
            }
            Ok(())
        })
    }

    /// Checks a variant for `product`: its own rules, a unique combination and SKU.
    fn check_variant(
        &self,
        product: &ProductRow,
        input: &NewVariant,
        except_variant: Option<&str>,
    ) -> Result<(), Error> {
        let errors = crate::validate::standalone_variant(
            input,
            &product.options,
            product.status == ProductStatus::Published,
        );
        if !errors.is_empty() {
            return Err(crate::invalid(errors));
        }
        let wanted = combination(&input.options);
        for row in self.query(
            "SELECT id, options FROM catalog_variants WHERE product_id = ?",
            &[t(product.id.as_str())],
        )? {
            if Some(text(&row, 0)?.as_str()) == except_variant {
                continue;
            }
            let options: Vec<OptionValueJson> = from_json(&text(&row, 1)?)?;
            let theirs: Vec<OptionValue> = options
                .into_iter()
                .map(|o| OptionValue {
                    option: o.option,
                    value: o.value,
                })
                .collect();
            if combination(&theirs) == wanted {
                return Err(Error::Conflict("options".into()));
            }
        }
        self.check_skus(&[input.sku.as_str()], None, except_variant)
    }

    /// Adds a variant at the end of a product's variants.
    pub fn add_variant(&self, product_id: &str, input: &NewVariant) -> Result<Product, Error> {
        self.write(|s| {
            let row = s.product_row(product_id)?.ok_or(Error::NotFound)?;
            let count = s.count(
                "SELECT COUNT(*) FROM catalog_variants WHERE product_id = ?",
                &[t(row.id.as_str())],
            )?;
            if count >= crate::validate::MAX_VARIANTS as i64 {
                return Err(invalid(
                    "/product_id",
                    "the product already has the most variants a product may have",
                ));
            }
            s.check_variant(&row, input, None)?;
            let position = s.count(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM catalog_variants WHERE product_id = ?",
                &[t(row.id.as_str())],
            )?;
            s.insert_variant(&row.id, position, input)?;
            s.reindex(&row.id)?;
            s.load(&row.id)
        })
    }

    fn variant_product(&self, variant_id: &str) -> Result<Option<(ProductRow, i64)>, Error> {
        if !ids::is_id_of(variant_id, VARIANT_PREFIX) {
            return Ok(None);
        }
        let rows = self.query(
            "SELECT product_id, position FROM catalog_variants WHERE id = ?",
            &[t(variant_id)],
        )?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let product = self
            .product_row(&text(row, 0)?)?
            .ok_or_else(|| Error::Storage("catalog: a variant without its product".into()))?;
        Ok(Some((product, int(row, 1)?)))
    }

    /// Replaces a variant's fields.
    pub fn update_variant(&self, variant_id: &str, input: &NewVariant) -> Result<Product, Error> {
        self.write(|s| {
            let (product, position) = s.variant_product(variant_id)?.ok_or(Error::NotFound)?;
            s.check_variant(&product, input, Some(variant_id))?;
            s.update_variant_row(variant_id, position, input)?;
            s.reindex(&product.id)?;
            s.load(&product.id)
        })
    }

    /// Deletes a variant that is not its product's last.
    pub fn delete_variant(&self, variant_id: &str) -> Result<Product, Error> {
        self.write(|s| {
            let (product, _) = s.variant_product(variant_id)?.ok_or(Error::NotFound)?;
            let count = s.count(
                "SELECT COUNT(*) FROM catalog_variants WHERE product_id = ?",
                &[t(product.id.as_str())],
            )?;
            if count <= 1 {
                return Err(invalid(
                    "/variant_id",
                    "is the product's last variant: a product keeps at least one",
                ));
            }
            s.delete_variant_rows(variant_id)?;
            s.reindex(&product.id)?;
            s.load(&product.id)
        })
    }

    // --- categories ------------------------------------------------------------------

    fn category_from(row: &RowResult) -> Result<Category, Error> {
        Ok(Category {
            id: text(row, 0)?,
            slug: text(row, 1)?,
            name: text(row, 2)?,
            parent: opt_text(row, 3)?,
            path: text(row, 4)?,
            position: u32_from(int(row, 5)?),
        })
    }

    /// A category by id or path.
    pub fn category(&self, id_or_path: &str) -> Result<Option<Category>, Error> {
        let column = if ids::is_id_of(id_or_path, CATEGORY_PREFIX) {
            "id"
        } else {
            "path"
        };
        let rows = self.query(
            &format!(
                "SELECT id, slug, name, parent_id, path, position FROM catalog_categories \
                 WHERE {column} = ?"
            ),
            &[t(id_or_path)],
        )?;
        rows.first().map(Self::category_from).transpose()
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
            let category = Self::category_from(row)?;
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

    /// Rebuilds the (ancestor, descendant) pairs from the paths.
    fn rebuild_category_tree(&self) -> Result<(), Error> {
        self.exec("DELETE FROM catalog_category_tree", &[])?;
        self.exec(
            "INSERT INTO catalog_category_tree (ancestor_id, descendant_id) \
             SELECT a.id, d.id FROM catalog_categories a JOIN catalog_categories d \
             ON d.path = a.path OR substr(d.path, 1, length(a.path) + 1) = a.path || '/'",
            &[],
        )
    }

    fn child_path(&self, parent: Option<&String>, slug: &str) -> Result<String, Error> {
        Ok(match parent {
            None => slug.to_owned(),
            Some(parent) => {
                let parent_path = self.category_path(parent)?.ok_or(Error::NotFound)?;
                format!("{parent_path}/{slug}")
            }
        })
    }

    /// Creates a category under its parent, or at the root. The input is already validated.
    pub fn create_category(&self, input: &NewCategory) -> Result<Category, Error> {
        self.write(|s| {
            let path = s.child_path(input.parent.as_ref(), &input.slug)?;
            if s.exists(
                "SELECT 1 FROM catalog_categories WHERE path = ?",
                &[t(path.as_str())],
            )? {
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
            s.conn
                .execute(
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
            // The new category is below its parent's ancestors, and its own ancestor.
            s.exec(
                "INSERT INTO catalog_category_tree (ancestor_id, descendant_id) \
                 SELECT ancestor_id, ? FROM catalog_category_tree WHERE descendant_id = ? \
                 UNION SELECT ?, ?",
                &[
                    t(category.id.as_str()),
                    opt_t(category.parent.as_deref()),
                    t(category.id.as_str()),
                    t(category.id.as_str()),
                ],
            )?;
            Ok(category)
        })
    }

    /// Renames, moves or reorders a category; the paths of its descendants follow.
    pub fn update_category(&self, id: &str, input: &NewCategory) -> Result<Category, Error> {
        self.write(|s| {
            let old = s.category(id)?.filter(|c| c.id == id).ok_or(Error::NotFound)?;
            if let Some(parent) = &input.parent {
                if s.category_path(parent)?.is_none() {
                    return Err(Error::NotFound);
                }
                if s.exists(
                    "SELECT 1 FROM catalog_category_tree WHERE ancestor_id = ? AND descendant_id = ?",
                    &[t(id), t(parent.as_str())],
                )? {
                    return Err(invalid(
                        "/parent",
                        "is the category itself or one of its descendants",
                    ));
                }
            }
            let path = s.child_path(input.parent.as_ref(), &input.slug)?;
            if path != old.path {
                if s.exists(
                    "SELECT 1 FROM catalog_categories WHERE path = ?",
                    &[t(path.as_str())],
                )? {
                    return Err(Error::Conflict("slug".into()));
                }
                let old_prefix = format!("{}/", old.path);
                s.conn
                    .execute(
                        "UPDATE catalog_categories SET path = ? || substr(path, ?) \
                         WHERE substr(path, 1, ?) = ?",
                        &[
                            t(format!("{path}/")),
                            i(old_prefix.len() as i64 + 1),
                            i(old_prefix.len() as i64),
                            t(old_prefix),
                        ],
                    )
                    .map_err(|e| conflict_on(e, "catalog_categories.path", "slug"))?;
            }
            s.conn
                .execute(
                    "UPDATE catalog_categories SET slug = ?, name = ?, parent_id = ?, path = ?, \
                     position = ? WHERE id = ?",
                    &[
                        t(input.slug.as_str()),
                        t(input.name.as_str()),
                        opt_t(input.parent.as_deref()),
                        t(path.as_str()),
                        i(input.position),
                        t(id),
                    ],
                )
                .map_err(|e| conflict_on(e, "catalog_categories.path", "slug"))?;
            s.rebuild_category_tree()?;
            s.category(id)?.ok_or(Error::NotFound)
        })
    }

    /// Deletes a category without children; its products leave it.
    pub fn delete_category(&self, id: &str) -> Result<(), Error> {
        self.write(|s| {
            if s.category_path(id)?.is_none() {
                return Err(Error::NotFound);
            }
            if s.exists(
                "SELECT 1 FROM catalog_categories WHERE parent_id = ?",
                &[t(id)],
            )? {
                return Err(invalid(
                    "/id",
                    "has child categories: move or delete them first",
                ));
            }
            s.exec(
                "DELETE FROM catalog_product_categories WHERE category_id = ?",
                &[t(id)],
            )?;
            s.exec(
                "DELETE FROM catalog_category_tree WHERE ancestor_id = ? OR descendant_id = ?",
                &[t(id), t(id)],
            )?;
            s.exec("DELETE FROM catalog_categories WHERE id = ?", &[t(id)])
        })
    }

    // --- collections -----------------------------------------------------------------

    fn collections_where(
        &self,
        condition: &str,
        params: &[Value],
    ) -> Result<Vec<Collection>, Error> {
        let rows = self.query(
            &format!(
                "SELECT id, slug, title, description FROM catalog_collections WHERE {condition} \
                 ORDER BY title COLLATE NOCASE, id"
            ),
            params,
        )?;
        let mut collections = Vec::with_capacity(rows.len());
        for row in &rows {
            let id = text(row, 0)?;
            let product_ids = self
                .query(
                    "SELECT product_id FROM catalog_collection_products WHERE collection_id = ? \
                     ORDER BY position",
                    &[t(id.as_str())],
                )?
                .iter()
                .map(|r| text(r, 0))
                .collect::<Result<_, _>>()?;
            collections.push(Collection {
                slug: text(row, 1)?,
                title: text(row, 2)?,
                description: text(row, 3)?,
                product_ids,
                id,
            });
        }
        Ok(collections)
    }

    /// Every collection, by title.
    pub fn collections(&self) -> Result<Vec<Collection>, Error> {
        self.collections_where("1 = 1", &[])
    }

    /// A collection by id or slug.
    pub fn collection(&self, id_or_slug: &str) -> Result<Option<Collection>, Error> {
        let column = if ids::is_id_of(id_or_slug, COLLECTION_PREFIX) {
            "id"
        } else {
            "slug"
        };
        Ok(self
            .collections_where(&format!("{column} = ?"), &[t(id_or_slug)])?
            .into_iter()
            .next())
    }

    fn write_collection(
        &self,
        id: &str,
        input: &NewCollection,
        now: i64,
        create: bool,
    ) -> Result<(), Error> {
        if !input.product_ids.is_empty() {
            if !input
                .product_ids
                .iter()
                .all(|p| ids::is_id_of(p, PRODUCT_PREFIX))
            {
                return Err(Error::NotFound);
            }
            let sql = format!(
                "SELECT COUNT(*) FROM catalog_products WHERE id IN ({})",
                db::placeholders(input.product_ids.len())
            );
            let params: Vec<Value> = input.product_ids.iter().map(|p| t(p.as_str())).collect();
            if self.count(&sql, &params)? != input.product_ids.len() as i64 {
                return Err(Error::NotFound);
            }
        }
        if self.exists(
            "SELECT 1 FROM catalog_collections WHERE slug = ? AND id <> ?",
            &[t(input.slug.as_str()), t(id)],
        )? {
            return Err(Error::Conflict("slug".into()));
        }
        if create {
            self.conn
                .execute(
                    "INSERT INTO catalog_collections \
                     (id, slug, title, description, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?)",
                    &[
                        t(id),
                        t(input.slug.as_str()),
                        t(input.title.as_str()),
                        t(input.description.as_str()),
                        i(now),
                        i(now),
                    ],
                )
                .map_err(|e| conflict_on(e, "catalog_collections.slug", "slug"))?;
        } else {
            self.conn
                .execute(
                    "UPDATE catalog_collections SET slug = ?, title = ?, description = ?, \
                     updated_at = ? WHERE id = ?",
                    &[
                        t(input.slug.as_str()),
                        t(input.title.as_str()),
                        t(input.description.as_str()),
                        i(now),
                        t(id),
                    ],
                )
                .map_err(|e| conflict_on(e, "catalog_collections.slug", "slug"))?;
            self.exec(
                "DELETE FROM catalog_collection_products WHERE collection_id = ?",
                &[t(id)],
            )?;
        }
        for (position, product_id) in input.product_ids.iter().enumerate() {
            self.exec(
                "INSERT INTO catalog_collection_products (collection_id, product_id, position) \
                 VALUES (?, ?, ?)",
                &[t(id), t(product_id.as_str()), i(position as i64)],
            )?;
        }
        Ok(())
    }

    /// Creates a collection. The input is already validated.
    pub fn create_collection(&self, input: &NewCollection) -> Result<Collection, Error> {
        self.write(|s| {
            let id = ids::new_id(COLLECTION_PREFIX);
            s.write_collection(&id, input, clock::now_ms(), true)?;
            s.collection(&id)?.ok_or(Error::NotFound)
        })
    }

    /// Replaces a collection. The input is already validated.
    pub fn update_collection(&self, id: &str, input: &NewCollection) -> Result<Collection, Error> {
        self.write(|s| {
            if !ids::is_id_of(id, COLLECTION_PREFIX)
                || !s.exists("SELECT 1 FROM catalog_collections WHERE id = ?", &[t(id)])?
            {
                return Err(Error::NotFound);
            }
            s.write_collection(id, input, clock::now_ms(), false)?;
            s.collection(id)?.ok_or(Error::NotFound)
        })
    }

    /// Deletes a collection, not its products.
    pub fn delete_collection(&self, id: &str) -> Result<(), Error> {
        self.write(|s| {
            if !ids::is_id_of(id, COLLECTION_PREFIX)
                || !s.exists("SELECT 1 FROM catalog_collections WHERE id = ?", &[t(id)])?
            {
                return Err(Error::NotFound);
            }
            s.exec(
                "DELETE FROM catalog_collection_products WHERE collection_id = ?",
                &[t(id)],
            )?;
            s.exec("DELETE FROM catalog_collections WHERE id = ?", &[t(id)])
        })
    }

    /// Whether a collection with this id exists.
    pub fn collection_exists(&self, id: &str) -> Result<bool, Error> {
        Ok(ids::is_id_of(id, COLLECTION_PREFIX)
            && self.exists("SELECT 1 FROM catalog_collections WHERE id = ?", &[t(id)])?)
    }
}
