//! Shopper listings: `list-products` and `search`. A [`Plan`] is a validated
//! `product-query`; from it come the SQL filter (with any one facet's own filter left out),
//! the order with its keyset cursor, the full-text match and the facets.
//!
//! Search text never reaches FTS5 as syntax: it is split into words (letters and digits),
//! each word becomes a double-quoted FTS5 string, the last one a prefix query. When that
//! finds nothing, the last word is matched with one typo against the indexed vocabulary
//! (`catalog_search_terms`, an `fts5vocab` table).

use std::collections::{BTreeMap, HashMap};

use capability_kit::db::{i, int, t, text};
use capability_kit::{currency, cursor};
use spin_sdk::sqlite::Value;

use crate::exports::commerce::catalog::catalog::{
    Error, FacetValue, Facets, OptionFacet, PriceBucket, ProductPage, ProductQuery, ProductSummary,
    SearchResult, SortOrder,
};
use crate::store::{Store, images_from};
use crate::validate::MAX_AMOUNT;
use crate::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use commerce_types::types::{FieldError, Money, PageInfo, PageRequest};

/// The tag of listing cursors; a new cursor format gets a new tag.
const CURSOR_TAG: &str = "catalog.products.v2";
const MAX_TEXT_CHARS: usize = 200;
const MAX_WORDS: usize = 8;
const MAX_WORD_CHARS: usize = 64;
const MAX_FILTER_VALUES: usize = 20;
/// Words scored for relevance (each costs two FTS lookups).
const SCORED_WORDS: usize = 6;
/// The most one-typo variants of the last word a fuzzy search tries.
const MAX_VARIANTS: usize = 64;
/// A word shorter than this is not corrected: one edit of a two-letter word is noise.
const MIN_FUZZY_CHARS: usize = 3;
/// The most values a facet lists (the most frequent).
const MAX_FACET_VALUES: usize = 50;

/// How the text was matched: exactly (with a prefix on the last word) or with a typo.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Exact,
    Fuzzy,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    Newest,
    Score,
    Collection,
    PriceAsc,
    PriceDesc,
    Title,
}

/// Which filter a facet leaves out.
#[derive(Clone, PartialEq, Eq)]
enum Omit {
    Nothing,
    Category,
    Price,
    /// Every option filter (the option facets join them on the variant themselves).
    Options,
    Attribute(String),
}

/// The position after the last item of a page.
struct Position {
    mode: Mode,
    seq: i64,
    key: String,
}

/// A validated query.
struct Plan {
    /// `None`: no text filter; `Some(None)`: text that matches nothing; `Some(Some(groups))`:
    /// FTS5 expressions, one per word, all required.
    text: Option<Option<Vec<String>>>,
    category: Option<String>,
    collection: Option<String>,
    currency: Option<String>,
    min: Option<i64>,
    max: Option<i64>,
    /// (option name, values) by option; names and values as first given (SQLite compares
    /// them case-insensitively), grouped and de-duplicated case-insensitively.
    options: Vec<(String, Vec<String>)>,
    /// (attribute name, values) by attribute, likewise.
    attributes: Vec<(String, Vec<String>)>,
    order: Order,
    hash: String,
    mode: Mode,
}

/// SQL text with its parameters, built left to right.
#[derive(Default)]
struct Sql {
    text: String,
    params: Vec<Value>,
}

impl Sql {
    fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }
    fn bind(&mut self, value: Value) -> &mut Self {
        self.params.push(value);
        self
    }
    fn list(&mut self, values: &[String]) -> &mut Self {
        self.text
            .push_str(&capability_kit::db::placeholders(values.len()));
        self.params.extend(values.iter().map(|v| t(v.as_str())));
        self
    }
    fn append(&mut self, other: Sql) -> &mut Self {
        self.text.push_str(&other.text);
        self.params.extend(other.params);
        self
    }
}

/// The words of shopper text: runs of letters and digits, lower-cased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(MAX_WORD_CHARS).collect())
        .take(MAX_WORDS)
        .collect()
}

/// An FTS5 string for a word: the word contains only letters and digits, so quoting makes
/// it a plain term whatever it says (`OR`, `NEAR`, `AND`).
fn quoted(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

/// The words other than the last, exactly, and the last one as a prefix.
fn exact_groups(words: &[String]) -> Vec<String> {
    let last = words.len() - 1;
    words
        .iter()
        .enumerate()
        .map(|(k, w)| {
            if k == last {
                format!("{}*", quoted(w))
            } else {
                quoted(w)
            }
        })
        .collect()
}

fn match_expression(groups: &[String]) -> String {
    groups
        .iter()
        .map(|g| format!("({g})"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Every string one edit (deletion, transposition, substitution, insertion) away from
/// `word`, over the letters a-z, the digits and the word's own characters.
pub fn one_edit_variants(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut alphabet: Vec<char> = ('a'..='z').chain('0'..='9').collect();
    for c in &chars {
        if !alphabet.contains(c) {
            alphabet.push(*c);
        }
    }
    let mut out = std::collections::BTreeSet::new();
    let n = chars.len();
    let build = |v: Vec<char>| v.into_iter().collect::<String>();
    for k in 0..n {
        let mut v = chars.clone();
        v.remove(k);
        out.insert(build(v));
    }
    for k in 0..n.saturating_sub(1) {
        let mut v = chars.clone();
        v.swap(k, k + 1);
        out.insert(build(v));
    }
    for k in 0..n {
        for &c in &alphabet {
            let mut v = chars.clone();
            v[k] = c;
            out.insert(build(v));
        }
    }
    for k in 0..=n {
        for &c in &alphabet {
            let mut v = chars.clone();
            v.insert(k, c);
            out.insert(build(v));
        }
    }
    out.remove(word);
    out.into_iter().collect()
}

/// The FTS5 group matching `word` with one typo: the indexed words one edit away, or when
/// there are none, words starting with a one-edit variant (a word still being typed).
/// `None` when the vocabulary has nothing close.
fn fuzzy_group(store: &Store, word: &str) -> Result<Option<String>, Error> {
    if word.chars().count() < MIN_FUZZY_CHARS {
        return Ok(None);
    }
    let variants = one_edit_variants(word);
    let json = serde_json::to_string(&variants)
        .map_err(|e| Error::Other(format!("catalog: encoding variants: {e}")))?;
    let mut found: Vec<String> = store
        .query(
            "SELECT term FROM catalog_search_terms WHERE term IN (SELECT value FROM json_each(?)) \
             ORDER BY doc DESC, term LIMIT ?",
            &[t(json.as_str()), i(MAX_VARIANTS as i64)],
        )?
        .iter()
        .map(|r| text(r, 0))
        .collect::<Result<_, _>>()?;
    if found.is_empty() {
        let long: Vec<&String> = variants
            .iter()
            .filter(|v| v.chars().count() >= MIN_FUZZY_CHARS)
            .collect();
        let json = serde_json::to_string(&long)
            .map_err(|e| Error::Other(format!("catalog: encoding variants: {e}")))?;
        found = store
            .query(
                "SELECT j.value FROM json_each(?) j WHERE EXISTS (SELECT 1 FROM catalog_search_terms v \
                 WHERE v.term >= j.value AND v.term < j.value || char(1114111)) \
                 ORDER BY j.value LIMIT ?",
                &[t(json), i(MAX_VARIANTS as i64)],
            )?
            .iter()
            .map(|r| text(r, 0))
            .collect::<Result<_, _>>()?;
    }
    if found.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        found
            .iter()
            .map(|v| format!("{}*", quoted(v)))
            .collect::<Vec<_>>()
            .join(" OR "),
    ))
}

fn field_error(path: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Groups `(name, value)` filters by name, case-insensitively, values de-duplicated
/// likewise (the spelling first given is kept: SQLite's NOCASE folds ASCII only, so
/// lower-casing here would lose non-ASCII matches); errors for empty or oversized entries
/// at `/{field}/{i}/…`.
fn group_filters(
    field: &str,
    name_field: &str,
    entries: &[(String, String)],
    errors: &mut Vec<FieldError>,
) -> Vec<(String, Vec<String>)> {
    if entries.len() > MAX_FILTER_VALUES {
        errors.push(field_error(
            &format!("/{field}"),
            format!("must have at most {MAX_FILTER_VALUES} entries"),
        ));
    }
    let mut groups: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for (k, (name, value)) in entries.iter().enumerate() {
        if name.trim().is_empty() || name.chars().count() > 100 {
            errors.push(field_error(
                &format!("/{field}/{k}/{name_field}"),
                "must be 1 to 100 characters",
            ));
        }
        if value.trim().is_empty() || value.chars().count() > 500 {
            errors.push(field_error(
                &format!("/{field}/{k}/value"),
                "must be 1 to 500 characters",
            ));
        }
        let (_, values) = groups
            .entry(name.to_lowercase())
            .or_insert_with(|| (name.clone(), Vec::new()));
        if !values
            .iter()
            .any(|v| v.to_lowercase() == value.to_lowercase())
        {
            values.push(value.clone());
        }
    }
    groups
        .into_values()
        .map(|(name, mut values)| {
            values.sort_by_key(|v| v.to_lowercase());
            (name, values)
        })
        .collect()
}

impl Plan {
    /// Validates `query` and `page`; resolves the mode (from the cursor, or by trying the
    /// exact text match first).
    fn new(
        store: &Store,
        query: &ProductQuery,
        page: &PageRequest,
    ) -> Result<(Self, Option<Position>, u32), Error> {
        let mut errors = Vec::new();
        if page.limit > MAX_PAGE_SIZE {
            errors.push(field_error(
                "/limit",
                format!("must be at most {MAX_PAGE_SIZE}"),
            ));
        }
        if let Some(text) = &query.text
            && text.chars().count() > MAX_TEXT_CHARS
        {
            errors.push(field_error(
                "/text",
                format!("must be at most {MAX_TEXT_CHARS} characters"),
            ));
        }
        if let Some(code) = &query.currency
            && !currency::is_active(code)
        {
            errors.push(field_error(
                "/currency",
                "must be an active ISO 4217 currency code such as \"EUR\"",
            ));
        }
        let (min, max) = match &query.price {
            None => (None, None),
            Some(range) => (range.min, range.max),
        };
        for (path, value) in [("/price/min", min), ("/price/max", max)] {
            if let Some(v) = value
                && !(0..=MAX_AMOUNT).contains(&v)
            {
                errors.push(field_error(
                    path,
                    format!("must be from 0 to {MAX_AMOUNT} minor units"),
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            errors.push(field_error("/price/max", "must not be below the minimum"));
        }
        let price_sort = matches!(query.sort, SortOrder::PriceAsc | SortOrder::PriceDesc);
        if query.currency.is_none() && (min.is_some() || max.is_some() || price_sort) {
            errors.push(field_error(
                "/currency",
                "is required by a price filter or a price order",
            ));
        }
        let options = group_filters(
            "options",
            "option",
            &query
                .options
                .iter()
                .map(|o| (o.option.clone(), o.value.clone()))
                .collect::<Vec<_>>(),
            &mut errors,
        );
        let attributes = group_filters(
            "attributes",
            "name",
            &query
                .attributes
                .iter()
                .map(|a| (a.name.clone(), a.value.clone()))
                .collect::<Vec<_>>(),
            &mut errors,
        );

        let text_words = query.text.as_deref().map(words);
        let order = match query.sort {
            SortOrder::Relevance if text_words.is_some() => Order::Score,
            SortOrder::Relevance if query.collection.is_some() => Order::Collection,
            SortOrder::Relevance | SortOrder::Newest => Order::Newest,
            SortOrder::PriceAsc => Order::PriceAsc,
            SortOrder::PriceDesc => Order::PriceDesc,
            SortOrder::Title => Order::Title,
        };
        let canonical = serde_json::json!([
            query.text,
            query.category,
            query.collection,
            query.currency,
            min,
            max,
            options,
            attributes,
            format!("{:?}", query.sort),
        ])
        .to_string();
        let hash = format!("{:016x}", crate::cache::fnv1a(canonical.as_bytes()));

        let position = match page.after.as_deref() {
            None => None,
            Some(c) => {
                let position = cursor::decode_fields(CURSOR_TAG, c, 4).and_then(|f| {
                    if f[0] != hash {
                        return None;
                    }
                    let mode = match f[1].as_str() {
                        "e" => Mode::Exact,
                        "f" => Mode::Fuzzy,
                        _ => return None,
                    };
                    let seq: i64 = f[2].parse().ok().filter(|s: &i64| s.to_string() == f[2])?;
                    let key = f[3].clone();
                    let key_ok = match order {
                        Order::Newest => key.is_empty(),
                        Order::Title => true,
                        _ => key.parse::<i64>().is_ok_and(|k| k.to_string() == key),
                    };
                    key_ok.then_some(Position { mode, seq, key })
                });
                if position.is_none() {
                    errors.push(field_error(
                        "/after",
                        "is not a cursor of this listing and query",
                    ));
                }
                position
            }
        };
        if !errors.is_empty() {
            return Err(Error::InvalidInput(errors));
        }
        let limit = if page.limit == 0 {
            DEFAULT_PAGE_SIZE
        } else {
            page.limit
        };

        if let Some(id) = &query.category
            && store.category_path(id)?.is_none()
        {
            return Err(Error::NotFound);
        }
        if let Some(id) = &query.collection
            && !store.collection_exists(id)?
        {
            return Err(Error::NotFound);
        }

        let mut plan = Plan {
            text: text_words
                .as_ref()
                .map(|w| (!w.is_empty()).then(|| exact_groups(w))),
            category: query.category.clone(),
            collection: query.collection.clone(),
            currency: query.currency.clone(),
            min,
            max,
            options,
            attributes,
            order,
            hash,
            mode: Mode::Exact,
        };
        let wants_fuzzy = match &position {
            Some(p) => p.mode == Mode::Fuzzy,
            None => matches!(plan.text, Some(Some(_))) && !plan.any(store)?,
        };
        if wants_fuzzy && let Some(w) = &text_words {
            plan.mode = Mode::Fuzzy;
            let last = w.len() - 1;
            plan.text = Some(fuzzy_group(store, &w[last])?.map(|group| {
                let mut groups: Vec<String> = w[..last].iter().map(|x| quoted(x)).collect();
                groups.push(group);
                groups
            }));
        }
        Ok((plan, position, limit))
    }

    /// The filter on `p` (a `catalog_products` row), without the filter `omit` names.
    fn filter(&self, omit: &Omit) -> Sql {
        let mut sql = Sql::default();
        sql.push("p.status = 'published'");
        match &self.text {
            None => {}
            Some(None) => {
                sql.push(" AND 0");
            }
            Some(Some(groups)) => {
                sql.push(
                    " AND p.seq IN (SELECT rowid FROM catalog_search WHERE catalog_search MATCH ?)",
                )
                .bind(t(match_expression(groups)));
            }
        }
        if let Some(category) = &self.category
            && *omit != Omit::Category
        {
            sql.push(
                " AND p.id IN (SELECT pc.product_id FROM catalog_product_categories pc \
                 JOIN catalog_category_tree ct ON ct.descendant_id = pc.category_id \
                 WHERE ct.ancestor_id = ?)",
            )
            .bind(t(category.as_str()));
        }
        if let Some(collection) = &self.collection {
            sql.push(
                " AND p.id IN (SELECT product_id FROM catalog_collection_products \
                 WHERE collection_id = ?)",
            )
            .bind(t(collection.as_str()));
        }
        if let Some(currency) = &self.currency {
            sql.push(
                " AND p.id IN (SELECT product_id FROM catalog_product_prices WHERE currency = ?",
            )
            .bind(t(currency.as_str()));
            if *omit != Omit::Price {
                if let Some(min) = self.min {
                    sql.push(" AND min_amount >= ?").bind(i(min));
                }
                if let Some(max) = self.max {
                    sql.push(" AND min_amount <= ?").bind(i(max));
                }
            }
            sql.push(")");
        }
        for (name, values) in &self.attributes {
            if *omit == Omit::Attribute(name.to_lowercase()) {
                continue;
            }
            sql.push(
                " AND p.id IN (SELECT product_id FROM catalog_product_attributes \
                 WHERE name = ? AND value IN (",
            )
            .bind(t(name.as_str()))
            .list(values)
            .push("))");
        }
        if let Some((name, values)) = self.options.first()
            && *omit != Omit::Options
        {
            // Driven by the first option's values; the others are checked on each variant.
            sql.push(
                " AND p.id IN (SELECT o0.product_id FROM catalog_variant_options o0 \
                 WHERE o0.option = ? AND o0.value IN (",
            )
            .bind(t(name.as_str()))
            .list(values)
            .push(")")
            .append(self.variant_conditions(Some(name)))
            .push(")");
        }
        sql
    }

    /// Requires, for each option filter but `except`, that the variant of `o0` has one of
    /// its values. Correlated `EXISTS` on the primary key `(variant_id, option)`, so the
    /// planner cannot drive the join from a filter's (large) value list instead.
    fn variant_conditions(&self, except: Option<&str>) -> Sql {
        let mut sql = Sql::default();
        for (k, (name, values)) in self.options.iter().enumerate() {
            if Some(name.as_str()) == except {
                continue;
            }
            let alias = format!("f{k}");
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM catalog_variant_options {alias} \
                 WHERE {alias}.variant_id = o0.variant_id AND {alias}.option = ? \
                 AND {alias}.value IN ("
            ))
            .bind(t(name.as_str()))
            .list(values)
            .push("))");
        }
        sql
    }

    /// Whether any product matches.
    fn any(&self, store: &Store) -> Result<bool, Error> {
        let mut sql = Sql::default();
        sql.push("SELECT 1 FROM catalog_products p WHERE ")
            .append(self.filter(&Omit::Nothing))
            .push(" LIMIT 1");
        Ok(!store.query(&sql.text, &sql.params)?.is_empty())
    }

    /// The relevance score of `p`: per word, 4 if in the title, 2 if in attribute or
    /// option values (every matching product has each word somewhere).
    fn score(&self) -> Sql {
        let mut sql = Sql::default();
        sql.push("0");
        if let Some(Some(groups)) = &self.text {
            for group in groups.iter().take(SCORED_WORDS) {
                for (column, weight) in [("title", 4), ("attributes", 2)] {
                    sql.push(&format!(
                        " + {weight} * (p.seq IN (SELECT rowid FROM catalog_search \
                         WHERE catalog_search MATCH ?))"
                    ))
                    .bind(t(format!("{{{column}}} : ({group})")));
                }
            }
        }
        sql
    }

    /// One page in the plan's order after `after`.
    fn page(
        &self,
        store: &Store,
        after: Option<&Position>,
        limit: u32,
    ) -> Result<(Vec<ProductSummary>, Option<String>), Error> {
        // Each order gives the sort key `k` and whatever it joins.
        let mut inner = Sql::default();
        inner.push("SELECT p.id, p.slug, p.title, p.images, p.created_at, p.seq AS seq, ");
        match self.order {
            Order::Newest => {
                inner.push("'' AS k FROM catalog_products p");
            }
            Order::Score => {
                inner
                    .push("(")
                    .append(self.score())
                    .push(") AS k FROM catalog_products p");
            }
            Order::Collection => {
                inner
                    .push(
                        "cp.position AS k FROM catalog_products p JOIN catalog_collection_products cp \
                         ON cp.product_id = p.id AND cp.collection_id = ?",
                    )
                    .bind(t(self.collection.clone().unwrap_or_default()));
            }
            Order::PriceAsc | Order::PriceDesc => {
                inner
                    .push(
                        "pp.min_amount AS k FROM catalog_products p JOIN catalog_product_prices pp \
                         ON pp.product_id = p.id AND pp.currency = ?",
                    )
                    .bind(t(self.currency.clone().unwrap_or_default()));
            }
            Order::Title => {
                inner.push("p.title AS k FROM catalog_products p");
            }
        }
        inner.push(" WHERE ").append(self.filter(&Omit::Nothing));

        let mut sql = Sql::default();
        sql.push("SELECT id, slug, title, images, created_at, seq, k FROM (")
            .append(inner)
            .push(")");
        // Ties always go to the newest (highest seq) first.
        let order_by = match self.order {
            Order::Newest => "seq DESC",
            Order::Score | Order::PriceDesc => "k DESC, seq DESC",
            Order::Collection | Order::PriceAsc => "k ASC, seq DESC",
            Order::Title => "k COLLATE NOCASE ASC, seq DESC",
        };
        if let Some(position) = after {
            let key = || match self.order {
                Order::Title => t(position.key.as_str()),
                _ => i(position.key.parse::<i64>().unwrap_or_default()),
            };
            let keyset = match self.order {
                Order::Newest => " WHERE seq < ?",
                Order::Score | Order::PriceDesc => " WHERE (k < ? OR (k = ? AND seq < ?))",
                Order::Collection | Order::PriceAsc => " WHERE (k > ? OR (k = ? AND seq < ?))",
                Order::Title => {
                    " WHERE (k > ? COLLATE NOCASE OR (k = ? COLLATE NOCASE AND seq < ?))"
                }
            };
            sql.push(keyset);
            if self.order != Order::Newest {
                sql.bind(key()).bind(key());
            }
            sql.bind(i(position.seq));
        }
        sql.push(&format!(" ORDER BY {order_by} LIMIT ?"))
            .bind(i(limit + 1));

        let rows = store.query(&sql.text, &sql.params)?;
        let more = rows.len() > limit as usize;
        let shown = &rows[..rows.len().min(limit as usize)];
        let mut items = Vec::with_capacity(shown.len());
        for row in shown {
            items.push(ProductSummary {
                id: text(row, 0)?,
                slug: text(row, 1)?,
                title: text(row, 2)?,
                image: images_from(&text(row, 3)?)?.into_iter().next(),
                price_from: Vec::new(),
                variant_ids: Vec::new(),
                created_at: int(row, 4)?,
            });
        }
        let next = match (more, shown.last()) {
            (true, Some(last)) => {
                let seq = int(last, 5)?.to_string();
                let key = match self.order {
                    Order::Newest => String::new(),
                    Order::Title => text(last, 6)?,
                    _ => int(last, 6)?.to_string(),
                };
                let mode = if self.mode == Mode::Fuzzy { "f" } else { "e" };
                Some(cursor::encode_fields(
                    CURSOR_TAG,
                    &[&self.hash, mode, &seq, &key],
                ))
            }
            _ => None,
        };
        fill_summaries(store, &mut items)?;
        Ok((items, next))
    }

    fn total(&self, store: &Store) -> Result<u32, Error> {
        let mut sql = Sql::default();
        sql.push("SELECT COUNT(*) FROM catalog_products p WHERE ")
            .append(self.filter(&Omit::Nothing));
        count(store, sql)
    }

    fn facets(&self, store: &Store) -> Result<Facets, Error> {
        Ok(Facets {
            categories: self.category_facet(store)?,
            options: self.option_facets(store)?,
            price_buckets: self.price_facet(store)?,
            brands: self.brand_facet(store)?,
        })
    }

    fn category_facet(&self, store: &Store) -> Result<Vec<FacetValue>, Error> {
        let mut sql = Sql::default();
        sql.push(
            "SELECT ct.ancestor_id, COUNT(DISTINCT p.seq) FROM catalog_products p \
             JOIN catalog_product_categories pc ON pc.product_id = p.id \
             JOIN catalog_category_tree ct ON ct.descendant_id = pc.category_id WHERE ",
        )
        .append(self.filter(&Omit::Category))
        .push(" GROUP BY ct.ancestor_id");
        let mut counts: HashMap<String, u32> = HashMap::new();
        for row in store.query(&sql.text, &sql.params)? {
            counts.insert(text(&row, 0)?, u32_of(int(&row, 1)?));
        }
        // In tree order, so a sidebar can indent them by path.
        Ok(store
            .categories()?
            .into_iter()
            .filter_map(|c| {
                counts.get(&c.id).map(|&count| FacetValue {
                    value: c.id,
                    label: c.name,
                    count,
                })
            })
            .collect())
    }

    fn option_facets(&self, store: &Store) -> Result<Vec<OptionFacet>, Error> {
        // Options without a filter of their own: one query over every option.
        let mut sql = Sql::default();
        sql.push(
            "SELECT o0.option, o0.value, COUNT(DISTINCT p.seq) AS n FROM catalog_products p \
             JOIN catalog_variant_options o0 ON o0.product_id = p.id WHERE ",
        )
        .append(self.filter(&Omit::Options))
        .append(self.variant_conditions(None))
        .push(" GROUP BY o0.option, o0.value");
        let mut by_option: BTreeMap<String, (String, Vec<FacetValue>)> = BTreeMap::new();
        for row in store.query(&sql.text, &sql.params)? {
            let name = text(&row, 0)?;
            let key = name.to_lowercase();
            if self.options.iter().any(|(n, _)| n.to_lowercase() == key) {
                continue;
            }
            let value = text(&row, 1)?;
            by_option
                .entry(key)
                .or_insert_with(|| (name, Vec::new()))
                .1
                .push(FacetValue {
                    label: value.clone(),
                    value,
                    count: u32_of(int(&row, 2)?),
                });
        }
        // Each filtered option counts with its own filter left out.
        for (name, _) in &self.options {
            let mut sql = Sql::default();
            sql.push(
                "SELECT o0.option, o0.value, COUNT(DISTINCT p.seq) FROM catalog_products p \
                 JOIN catalog_variant_options o0 ON o0.product_id = p.id WHERE o0.option = ? AND ",
            )
            .bind(t(name.as_str()))
            .append(self.filter(&Omit::Options))
            .append(self.variant_conditions(Some(name)))
            .push(" GROUP BY o0.value");
            for row in store.query(&sql.text, &sql.params)? {
                let value = text(&row, 1)?;
                by_option
                    .entry(name.to_lowercase())
                    .or_insert_with(|| (text(&row, 0).unwrap_or_else(|_| name.clone()), Vec::new()))
                    .1
                    .push(FacetValue {
                        label: value.clone(),
                        value,
                        count: u32_of(int(&row, 2)?),
                    });
            }
        }
        Ok(by_option
            .into_values()
            .map(|(option, mut values)| {
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                values.truncate(MAX_FACET_VALUES);
                OptionFacet { option, values }
            })
            .collect())
    }

    fn brand_facet(&self, store: &Store) -> Result<Vec<FacetValue>, Error> {
        let mut sql = Sql::default();
        sql.push(
            "SELECT a.value, COUNT(*) AS n FROM catalog_products p \
             JOIN catalog_product_attributes a ON a.product_id = p.id \
             WHERE a.name = 'brand' AND ",
        )
        .append(self.filter(&Omit::Attribute("brand".into())))
        .push(" GROUP BY a.value ORDER BY n DESC, a.value LIMIT ?")
        .bind(i(MAX_FACET_VALUES as i64));
        store
            .query(&sql.text, &sql.params)?
            .iter()
            .map(|row| {
                let value = text(row, 0)?;
                Ok(FacetValue {
                    label: value.clone(),
                    value,
                    count: u32_of(int(row, 1)?),
                })
            })
            .collect()
    }

    fn price_facet(&self, store: &Store) -> Result<Vec<PriceBucket>, Error> {
        let Some(code) = &self.currency else {
            return Ok(Vec::new());
        };
        let bounds = price_bounds(code);
        let mut sql = Sql::default();
        sql.push("SELECT CASE");
        for (k, bound) in bounds.iter().enumerate() {
            sql.push(" WHEN pp.min_amount < ? THEN ")
                .bind(i(*bound))
                .push(&k.to_string());
        }
        sql.push(&format!(
            " ELSE {} END AS b, COUNT(*) FROM catalog_products p \
             JOIN catalog_product_prices pp ON pp.product_id = p.id \
             WHERE pp.currency = ? AND ",
            bounds.len()
        ))
        .bind(t(code.as_str()))
        .append(self.filter(&Omit::Price))
        .push(" GROUP BY b ORDER BY b");
        store
            .query(&sql.text, &sql.params)?
            .iter()
            .map(|row| {
                let b = usize::try_from(int(row, 0)?).unwrap_or(bounds.len());
                Ok(PriceBucket {
                    min: if b == 0 { 0 } else { bounds[b - 1] },
                    max: bounds.get(b).copied(),
                    count: u32_of(int(row, 1)?),
                })
            })
            .collect()
    }
}

fn u32_of(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn count(store: &Store, sql: Sql) -> Result<u32, Error> {
    Ok(store
        .query(&sql.text, &sql.params)?
        .first()
        .map(|r| int(r, 0))
        .transpose()?
        .map(u32_of)
        .unwrap_or(0))
}

/// Price bucket boundaries in minor units: 10, 25, 50, 100, 250, 500, … major units, up to
/// the largest price.
pub fn price_bounds(code: &str) -> Vec<i64> {
    let unit = 10_i64.pow(u32::from(currency::minor_units(code).unwrap_or(2)));
    let mut bounds = Vec::new();
    let mut decade = 10 * unit;
    while decade <= MAX_AMOUNT {
        for factor in [10, 25, 50] {
            let bound = decade / 10 * factor;
            if bound <= MAX_AMOUNT {
                bounds.push(bound);
            }
        }
        decade *= 10;
    }
    bounds
}

/// Sets each summary's lowest price per currency (ordered by currency) and its variant ids
/// (in the product's order), with one statement for the whole page.
fn fill_summaries(store: &Store, items: &mut [ProductSummary]) -> Result<(), Error> {
    if items.is_empty() {
        return Ok(());
    }
    // Rows of kind 0 are prices (currency, amount), of kind 1 variants (id, position).
    let list = capability_kit::db::placeholders(items.len());
    let sql = format!(
        "SELECT 0, product_id, currency, min_amount FROM catalog_product_prices \
         WHERE product_id IN ({list}) \
         UNION ALL SELECT 1, product_id, id, position FROM catalog_variants \
         WHERE product_id IN ({list})"
    );
    let ids = items.iter().map(|p| t(p.id.as_str()));
    let params: Vec<Value> = ids.clone().chain(ids).collect();
    let mut prices: HashMap<String, Vec<Money>> = HashMap::new();
    let mut variants: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for row in store.query(&sql, &params)? {
        let (product, key, number) = (text(&row, 1)?, text(&row, 2)?, int(&row, 3)?);
        if int(&row, 0)? == 0 {
            prices.entry(product).or_default().push(Money {
                currency: key,
                amount: number,
            });
        } else {
            variants.entry(product).or_default().push((number, key));
        }
    }
    for item in items {
        let mut price_from = prices.remove(&item.id).unwrap_or_default();
        price_from.sort_by(|a, b| a.currency.cmp(&b.currency));
        item.price_from = price_from;
        let mut ids = variants.remove(&item.id).unwrap_or_default();
        ids.sort();
        item.variant_ids = ids.into_iter().map(|(_, id)| id).collect();
    }
    Ok(())
}

/// `list-products`.
pub fn list(store: &Store, query: &ProductQuery, page: &PageRequest) -> Result<ProductPage, Error> {
    let (plan, after, limit) = Plan::new(store, query, page)?;
    let (items, next) = plan.page(store, after.as_ref(), limit)?;
    Ok(ProductPage {
        items,
        page: PageInfo { next },
    })
}

/// The part of `search` that does not depend on the page: the total and the facets.
pub fn summary(store: &Store, query: &ProductQuery) -> Result<(u32, Facets), Error> {
    let first = PageRequest {
        after: None,
        limit: 0,
    };
    let (plan, _, _) = Plan::new(store, query, &first)?;
    Ok((plan.total(store)?, plan.facets(store)?))
}

/// `search`: a page, with the total and the facets.
pub fn search(page: ProductPage, (total, facets): (u32, Facets)) -> SearchResult {
    SearchResult {
        items: page.items,
        page: page.page,
        total,
        facets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_syntax() {
        assert_eq!(words("\"linen\" OR shi*"), ["linen", "or", "shi"]);
        assert_eq!(words("'; DROP TABLE x; --"), ["drop", "table", "x"]);
        assert_eq!(words("NEAR(a b)"), ["near", "a", "b"]);
        assert!(words("*\"()").is_empty());
        assert_eq!(exact_groups(&words("linen shi")), ["\"linen\"", "\"shi\"*"]);
    }

    #[test]
    fn one_edit_variants_cover_each_kind_of_typo() {
        let v = one_edit_variants("shrt");
        for expected in ["shirt", "short", "shr", "hsrt", "shut"] {
            assert!(v.iter().any(|x| x == expected), "{expected}");
        }
        assert!(!v.iter().any(|x| x == "shrt"));
        assert!(!v.iter().any(|x| x == "shorts"));
    }

    #[test]
    fn price_bounds_ascend_and_scale_with_the_minor_unit() {
        let eur = price_bounds("EUR");
        assert_eq!(&eur[..4], &[1000, 2500, 5000, 10000]);
        assert!(eur.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(price_bounds("JPY")[0], 10);
    }
}
