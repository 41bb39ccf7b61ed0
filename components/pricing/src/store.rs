//! Pricing's SQL. Every value reaches SQLite as a parameter; the only text assembled at run
//! time joins constant fragments and `?` placeholders.
//!
//! Writes (a shipping method with its rates and countries, a tax rate) run in one `BEGIN
//! IMMEDIATE` transaction each, so a reader never sees half a method. The configuration a
//! quote needs (the destination's tax rate and the chosen method) is read in one read
//! transaction, so a quote sees one state of the configuration, never a mix of two.

use std::collections::HashMap;

use capability_kit::db::{self, i, int, t, text};
use capability_kit::ids;
use spin_sdk::sqlite::{Connection, RowResult, Value};

use crate::exports::commerce::pricing::pricing::{Error, ShippingMethod};
use crate::exports::commerce::pricing::pricing_admin::{ShippingMethodInput, TaxRate};
use crate::validate::Page;
use crate::{SHIPPING_PREFIX, schema};
use commerce_types::types::{Money, TaxMode};

/// One page of a listing, and the (key, id) of its last item when a next page follows.
pub type Listed<T> = (Vec<T>, Option<(i64, String)>);

const METHOD_COLUMNS: &str = "m.id, m.name, m.active, m.position, m.created_at, m.updated_at";

/// The keyset condition of the method listings: strictly after (position, id). The first
/// page passes (-1, ''), before every stored position.
const AFTER_POSITION: &str = "(m.position > ? OR (m.position = ? AND m.id > ?))";

const TAX_COLUMNS: &str = "country, rate_ppm, mode, applies_to_shipping, label";

/// An open pricing database with an up-to-date schema.
pub struct Store {
    conn: std::rc::Rc<Connection>,
}

fn query(conn: &Connection, sql: &str, params: &[Value]) -> Result<Vec<RowResult>, Error> {
    Ok(conn.execute(sql, params)?.rows)
}

fn broken(what: String) -> Error {
    Error::Storage(format!("pricing: stored state is inconsistent: {what}"))
}

fn mode_text(mode: TaxMode) -> &'static str {
    match mode {
        TaxMode::Inclusive => "inclusive",
        TaxMode::Exclusive => "exclusive",
    }
}

fn mode_from(text: &str) -> Result<TaxMode, Error> {
    match text {
        "inclusive" => Ok(TaxMode::Inclusive),
        "exclusive" => Ok(TaxMode::Exclusive),
        other => Err(broken(format!("unknown tax mode {other:?}"))),
    }
}

fn u32_from(n: i64, what: &str) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| broken(format!("{what} {n} out of range")))
}

fn tax_rate_from(row: &RowResult) -> Result<TaxRate, Error> {
    Ok(TaxRate {
        country: text(row, 0)?,
        rate_ppm: u32_from(int(row, 1)?, "rate_ppm")?,
        mode: mode_from(&text(row, 2)?)?,
        applies_to_shipping: int(row, 3)? != 0,
        label: text(row, 4)?,
    })
}

/// The methods of `rows` (selected with [`METHOD_COLUMNS`]), with their rates and
/// countries, in the order of `rows`.
fn methods_from(conn: &Connection, rows: &[RowResult]) -> Result<Vec<ShippingMethod>, Error> {
    let mut methods = Vec::with_capacity(rows.len());
    for row in rows {
        methods.push(ShippingMethod {
            id: text(row, 0)?,
            name: text(row, 1)?,
            active: int(row, 2)? != 0,
            position: u32_from(int(row, 3)?, "position")?,
            created_at: int(row, 4)?,
            updated_at: int(row, 5)?,
            rates: Vec::new(),
            countries: Vec::new(),
        });
    }
    if methods.is_empty() {
        return Ok(methods);
    }
    // A page is at most 100 methods, well below SQLite's parameter limit.
    let params: Vec<Value> = methods.iter().map(|m| t(m.id.as_str())).collect();
    let marks = db::placeholders(params.len());
    let mut rates: HashMap<String, Vec<Money>> = HashMap::new();
    let sql = format!(
        "SELECT method_id, currency, amount FROM pricing_shipping_rates \
         WHERE method_id IN ({marks}) ORDER BY method_id, idx"
    );
    for row in query(conn, &sql, &params)? {
        rates.entry(text(&row, 0)?).or_default().push(Money {
            currency: text(&row, 1)?,
            amount: int(&row, 2)?,
        });
    }
    let mut countries: HashMap<String, Vec<String>> = HashMap::new();
    let sql = format!(
        "SELECT method_id, country FROM pricing_shipping_countries \
         WHERE method_id IN ({marks}) ORDER BY method_id, idx"
    );
    for row in query(conn, &sql, &params)? {
        countries
            .entry(text(&row, 0)?)
            .or_default()
            .push(text(&row, 1)?);
    }
    for method in &mut methods {
        method.rates = rates.remove(&method.id).unwrap_or_default();
        method.countries = countries.remove(&method.id).unwrap_or_default();
    }
    Ok(methods)
}

fn method(conn: &Connection, id: &str) -> Result<Option<ShippingMethod>, Error> {
    let rows = query(
        conn,
        &format!("SELECT {METHOD_COLUMNS} FROM pricing_shipping_methods m WHERE m.id = ?"),
        &[t(id)],
    )?;
    Ok(methods_from(conn, &rows)?.pop())
}

fn tax_rate(conn: &Connection, country: &str) -> Result<Option<TaxRate>, Error> {
    let rows = query(
        conn,
        &format!("SELECT {TAX_COLUMNS} FROM pricing_tax_rates WHERE country = ?"),
        &[t(country)],
    )?;
    rows.first().map(tax_rate_from).transpose()
}

/// Writes the rates and countries of method `id`, replacing any it had.
fn write_children(conn: &Connection, id: &str, input: &ShippingMethodInput) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM pricing_shipping_rates WHERE method_id = ?",
        &[t(id)],
    )?;
    conn.execute(
        "DELETE FROM pricing_shipping_countries WHERE method_id = ?",
        &[t(id)],
    )?;
    for (idx, rate) in input.rates.iter().enumerate() {
        conn.execute(
            "INSERT INTO pricing_shipping_rates (method_id, currency, amount, idx) \
             VALUES (?, ?, ?, ?)",
            &[
                t(id),
                t(rate.currency.as_str()),
                i(rate.amount),
                i(idx as i64),
            ],
        )?;
    }
    for (idx, country) in input.countries.iter().enumerate() {
        conn.execute(
            "INSERT INTO pricing_shipping_countries (method_id, country, idx) VALUES (?, ?, ?)",
            &[t(id), t(country.as_str()), i(idx as i64)],
        )?;
    }
    Ok(())
}

/// Whether `stored` already has every field `input` sets.
fn same(stored: &ShippingMethod, input: &ShippingMethodInput) -> bool {
    stored.name == input.name
        && stored.active == input.active
        && stored.position == input.position
        && stored.countries == input.countries
        && stored.rates.len() == input.rates.len()
        && stored
            .rates
            .iter()
            .zip(&input.rates)
            .all(|(a, b)| a.amount == b.amount && a.currency == b.currency)
}

/// Splits `rows` fetched with `limit + 1` into the page and, when more follow, the
/// position of its last item.
fn paged<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> (i64, String)) -> Listed<T> {
    if items.len() > limit as usize {
        items.truncate(limit as usize);
        let next = items.last().map(key);
        (items, next)
    } else {
        (items, None)
    }
}

fn method_position(m: &ShippingMethod) -> (i64, String) {
    (i64::from(m.position), m.id.clone())
}

/// The keyset parameters for "after `page.after`" (or from the start).
fn after_params(page: &Page) -> [Value; 3] {
    let (position, id) = page.after.clone().unwrap_or((-1, String::new()));
    [i(position), i(position), t(id)]
}

impl Store {
    /// Opens the default database, migrating it on the first call of this instance.
    pub fn open() -> Result<Self, Error> {
        let conn = db::instance_connection(schema::VERSION_TABLE, schema::MIGRATIONS)?;
        Ok(Self { conn })
    }

    /// Runs the reads of `f` in one snapshot (`capability_kit::db::snapshot`).
    fn snapshot<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        db::snapshot(&self.conn, f)
    }

    /// What a quote needs, from one snapshot: the destination's tax rate (`None` when the
    /// destination has none or none was given) and the chosen method (`None` when it does
    /// not exist or none was asked for).
    pub fn quote_config(
        &self,
        destination: Option<&str>,
        method_id: Option<&str>,
    ) -> Result<(Option<TaxRate>, Option<ShippingMethod>), Error> {
        self.snapshot(|conn| {
            let rate = destination
                .map(|c| tax_rate(conn, c))
                .transpose()?
                .flatten();
            let method = method_id.map(|id| method(conn, id)).transpose()?.flatten();
            Ok((rate, method))
        })
    }

    pub fn create_shipping_method(
        &self,
        input: &ShippingMethodInput,
        now: i64,
    ) -> Result<ShippingMethod, Error> {
        let id = ids::new_id(SHIPPING_PREFIX);
        db::transaction(&self.conn, |conn| {
            conn.execute(
                "INSERT INTO pricing_shipping_methods \
                 (id, name, active, position, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                &[
                    t(id.as_str()),
                    t(input.name.as_str()),
                    i(i64::from(input.active)),
                    i(input.position),
                    i(now),
                    i(now),
                ],
            )?;
            write_children(conn, &id, input)?;
            method(conn, &id)?.ok_or_else(|| broken(format!("{id} vanished after insert")))
        })
    }

    /// Replaces every field of method `id`; `None` when there is no such method. A call
    /// that changes nothing writes nothing (and so keeps `updated-at`).
    pub fn update_shipping_method(
        &self,
        id: &str,
        input: &ShippingMethodInput,
        now: i64,
    ) -> Result<Option<ShippingMethod>, Error> {
        db::transaction(&self.conn, |conn| {
            let Some(stored) = method(conn, id)? else {
                return Ok(None);
            };
            if same(&stored, input) {
                return Ok(Some(stored));
            }
            conn.execute(
                "UPDATE pricing_shipping_methods \
                 SET name = ?, active = ?, position = ?, updated_at = ? WHERE id = ?",
                &[
                    t(input.name.as_str()),
                    i(i64::from(input.active)),
                    i(input.position),
                    i(now.max(stored.updated_at)),
                    t(id),
                ],
            )?;
            write_children(conn, id, input)?;
            method(conn, id)
        })
    }

    /// Deletes method `id` with its rates and countries; nothing when there is none.
    pub fn delete_shipping_method(&self, id: &str) -> Result<(), Error> {
        db::transaction(&self.conn, |conn| {
            for sql in [
                "DELETE FROM pricing_shipping_rates WHERE method_id = ?",
                "DELETE FROM pricing_shipping_countries WHERE method_id = ?",
                "DELETE FROM pricing_shipping_methods WHERE id = ?",
            ] {
                conn.execute(sql, &[t(id)])?;
            }
            Ok(())
        })
    }

    /// Every method, active or not, by (position, id).
    pub fn list_all_shipping_methods(&self, page: &Page) -> Result<Listed<ShippingMethod>, Error> {
        let mut params = after_params(page).to_vec();
        params.push(i(i64::from(page.limit) + 1));
        self.snapshot(|conn| {
            let rows = query(
                conn,
                &format!(
                    "SELECT {METHOD_COLUMNS} FROM pricing_shipping_methods m \
                     WHERE {AFTER_POSITION} ORDER BY m.position, m.id LIMIT ?"
                ),
                &params,
            )?;
            Ok(paged(
                methods_from(conn, &rows)?,
                page.limit,
                method_position,
            ))
        })
    }

    /// The active methods with a rate in `currency` that serve `destination` (a country
    /// the shop sells to, listed by the method or served by a method without a country
    /// list), or without a destination those without a country list; by (position, id).
    pub fn list_shipping_methods(
        &self,
        currency: &str,
        destination: Option<&str>,
        page: &Page,
    ) -> Result<Listed<ShippingMethod>, Error> {
        const ACTIVE_IN_CURRENCY: &str = "m.active = 1 AND EXISTS (SELECT 1 FROM \
             pricing_shipping_rates r WHERE r.method_id = m.id AND r.currency = ?)";
        const NO_COUNTRY_LIST: &str = "NOT EXISTS (SELECT 1 FROM pricing_shipping_countries c \
             WHERE c.method_id = m.id)";
        let mut params = vec![t(currency)];
        let sql = match destination {
            None => format!(
                "SELECT {METHOD_COLUMNS} FROM pricing_shipping_methods m \
                 WHERE {ACTIVE_IN_CURRENCY} AND {NO_COUNTRY_LIST} AND {AFTER_POSITION} \
                 ORDER BY m.position, m.id LIMIT ?"
            ),
            Some(country) => {
                params.push(t(country));
                params.push(t(country));
                format!(
                    "SELECT {METHOD_COLUMNS} FROM pricing_shipping_methods m \
                     WHERE {ACTIVE_IN_CURRENCY} \
                     AND EXISTS (SELECT 1 FROM pricing_tax_rates x WHERE x.country = ?) \
                     AND ({NO_COUNTRY_LIST} OR EXISTS (SELECT 1 FROM pricing_shipping_countries c \
                          WHERE c.method_id = m.id AND c.country = ?)) \
                     AND {AFTER_POSITION} ORDER BY m.position, m.id LIMIT ?"
                )
            }
        };
        params.extend(after_params(page));
        params.push(i(i64::from(page.limit) + 1));
        self.snapshot(|conn| {
            let rows = query(conn, &sql, &params)?;
            Ok(paged(
                methods_from(conn, &rows)?,
                page.limit,
                method_position,
            ))
        })
    }

    /// Creates or replaces the tax rate of `rate.country`.
    pub fn set_tax_rate(&self, rate: &TaxRate, now: i64) -> Result<TaxRate, Error> {
        db::transaction(&self.conn, |conn| {
            conn.execute(
                "INSERT INTO pricing_tax_rates \
                 (country, rate_ppm, mode, applies_to_shipping, label, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (country) DO UPDATE SET rate_ppm = excluded.rate_ppm, \
                 mode = excluded.mode, applies_to_shipping = excluded.applies_to_shipping, \
                 label = excluded.label, updated_at = excluded.updated_at",
                &[
                    t(rate.country.as_str()),
                    i(rate.rate_ppm),
                    t(mode_text(rate.mode)),
                    i(i64::from(rate.applies_to_shipping)),
                    t(rate.label.as_str()),
                    i(now),
                    i(now),
                ],
            )?;
            tax_rate(conn, &rate.country)?
                .ok_or_else(|| broken(format!("tax rate {} vanished", rate.country)))
        })
    }

    /// Removes the tax rate of `country`; nothing when it has none.
    pub fn delete_tax_rate(&self, country: &str) -> Result<(), Error> {
        self.conn.execute(
            "DELETE FROM pricing_tax_rates WHERE country = ?",
            &[t(country)],
        )?;
        Ok(())
    }

    /// Every tax rate by country code, after the country of `page.after`.
    pub fn list_tax_rates(&self, page: &Page) -> Result<Listed<TaxRate>, Error> {
        let after = page.after.as_ref().map_or("", |(_, c)| c.as_str());
        let rows = query(
            &self.conn,
            &format!(
                "SELECT {TAX_COLUMNS} FROM pricing_tax_rates WHERE country > ? \
                 ORDER BY country LIMIT ?"
            ),
            &[t(after), i(i64::from(page.limit) + 1)],
        )?;
        let rates = rows.iter().map(tax_rate_from).collect::<Result<_, _>>()?;
        Ok(paged(rates, page.limit, |r| (0, r.country.clone())))
    }
}
