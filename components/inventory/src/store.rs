//! The inventory's SQL. Every value reaches SQLite as a parameter; the only text assembled at
//! run time joins constant fragments and `?` placeholders.
//!
//! Concurrency: Spin runs each request in a fresh instance over one shared database, so all
//! correctness comes from SQLite. Every write runs in one `BEGIN IMMEDIATE` transaction
//! (writers queue on the database's write lock), and the updates that take stock are
//! conditional on the stock being there (`… WHERE on_hand - reserved >= ?`), with
//! `RETURNING` telling whether they applied. Reads are single statements, so each sees one
//! consistent snapshot, and take no write lock unless they find lapsed holds to reclaim.
//!
//! Expiry: a held line whose `expires_at` has passed is *lapsed*. Reads subtract lapsed
//! quantities from the stored `reserved` ([`LAPSED`]); writes first reclaim the lapsed
//! reservations of the variants they touch ([`reclaim_variants`]), which gives their holds
//! back and marks them `expired` in storage.

use std::collections::HashMap;

use capability_kit::db::{self, i, int, opt_int, opt_t, opt_text, t, text};
use capability_kit::ids;
use spin_sdk::sqlite::{Connection, RowResult, Value};

use crate::exports::commerce::inventory::inventory::{
    Error, NewReservation, Reservation, ReservationLine, ReservationStatus, Shortage, StockLevel,
};
use crate::exports::commerce::inventory::inventory_admin::{
    MovementFilter, MovementReason, NewAdjustment, NewCount, ReservationFilter, StockFilter,
    StockMovement,
};
use crate::validate::{MAX_ON_HAND, Page};
use crate::{MOVEMENT_PREFIX, RESERVATION_PREFIX, invalid, schema};

/// The quantity of `s.variant_id` held by reservations whose time is up as of the one
/// parameter (now): part of the stored `reserved`, but never counted as reserved.
const LAPSED: &str = "COALESCE((SELECT SUM(l.quantity) FROM inventory_reservation_lines l \
     WHERE l.variant_id = s.variant_id AND l.held = 1 AND l.expires_at <= ?), 0)";

const RESERVATION_COLUMNS: &str =
    "id, idempotency_key, status, created_at, expires_at, closed_at, seq";

const MOVEMENT_COLUMNS: &str = "id, variant_id, delta, on_hand_after, reason, note, actor, \
     reservation_id, created_at, seq";

/// How many ids one `IN (…)` list carries at most, well below SQLite's parameter limit.
const CHUNK: usize = 500;

/// The actor of the movements the inventory writes itself (sales).
const SYSTEM_ACTOR: &str = "system";

/// One page of a listing, and the (key, id) of its last item when a next page follows.
pub type Listed<T> = (Vec<T>, Option<(i64, String)>);

/// An open inventory database with an up-to-date schema.
pub struct Store {
    conn: std::rc::Rc<Connection>,
}

/// A reservation as stored: `status` is the stored one, which stays `active` after the
/// expiry until the reservation is reclaimed.
struct Stored {
    id: String,
    idempotency_key: String,
    status: ReservationStatus,
    created_at: i64,
    expires_at: i64,
    closed_at: Option<i64>,
    seq: i64,
    lines: Vec<ReservationLine>,
}

impl Stored {
    /// The reservation as of `now`: an active one whose time is up reads `expired`, closed
    /// at its expiry.
    fn seen_at(self, now: i64) -> Reservation {
        let lapsed = self.status == ReservationStatus::Active && self.expires_at <= now;
        Reservation {
            id: self.id,
            idempotency_key: self.idempotency_key,
            lines: self.lines,
            status: if lapsed {
                ReservationStatus::Expired
            } else {
                self.status
            },
            created_at: self.created_at,
            expires_at: self.expires_at,
            closed_at: if lapsed {
                Some(self.expires_at)
            } else {
                self.closed_at
            },
        }
    }
}

fn status_text(status: ReservationStatus) -> &'static str {
    match status {
        ReservationStatus::Active => "active",
        ReservationStatus::Committed => "committed",
        ReservationStatus::Released => "released",
        ReservationStatus::Expired => "expired",
    }
}

fn status_from(text: &str) -> Result<ReservationStatus, Error> {
    match text {
        "active" => Ok(ReservationStatus::Active),
        "committed" => Ok(ReservationStatus::Committed),
        "released" => Ok(ReservationStatus::Released),
        "expired" => Ok(ReservationStatus::Expired),
        other => Err(Error::Storage(format!(
            "inventory: unknown reservation status {other:?}"
        ))),
    }
}

fn reason_text(reason: MovementReason) -> &'static str {
    match reason {
        MovementReason::Received => "received",
        MovementReason::Recount => "recount",
        MovementReason::Damaged => "damaged",
        MovementReason::Lost => "lost",
        MovementReason::Returned => "returned",
        MovementReason::Cancellation => "cancellation",
        MovementReason::Correction => "correction",
        MovementReason::Sale => "sale",
    }
}

fn reason_from(text: &str) -> Result<MovementReason, Error> {
    Ok(match text {
        "received" => MovementReason::Received,
        "recount" => MovementReason::Recount,
        "damaged" => MovementReason::Damaged,
        "lost" => MovementReason::Lost,
        "returned" => MovementReason::Returned,
        "cancellation" => MovementReason::Cancellation,
        "correction" => MovementReason::Correction,
        "sale" => MovementReason::Sale,
        other => {
            return Err(Error::Storage(format!(
                "inventory: unknown movement reason {other:?}"
            )));
        }
    })
}

/// A stored count as a `u32`, clamped (the CHECKs keep stored counts in range).
/// A variant's stock level, its shopper status included.
fn level(variant_id: String, on_hand: i64, reserved: i64, threshold: u32) -> StockLevel {
    let available = u32_from(on_hand - reserved);
    StockLevel {
        variant_id,
        on_hand: u32_from(on_hand),
        reserved: u32_from(reserved),
        available,
        status: crate::validate::stock_status(available, threshold),
    }
}

fn u32_from(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

fn query(conn: &Connection, sql: &str, params: &[Value]) -> Result<Vec<RowResult>, Error> {
    Ok(conn.execute(sql, params)?.rows)
}

fn broken(what: String) -> Error {
    Error::Storage(format!("inventory: stored state is inconsistent: {what}"))
}

/// The stored (on hand, reserved) of a variant, `None` when it has no stock row.
fn stock_row(conn: &Connection, variant_id: &str) -> Result<Option<(i64, i64)>, Error> {
    let rows = query(
        conn,
        "SELECT on_hand, reserved FROM inventory_stock WHERE variant_id = ?",
        &[t(variant_id)],
    )?;
    rows.first()
        .map(|r| Ok((int(r, 0)?, int(r, 1)?)))
        .transpose()
}

/// The reservations of `rows` (selected with [`RESERVATION_COLUMNS`]), with their lines.
fn reservations_from(conn: &Connection, rows: &[RowResult]) -> Result<Vec<Stored>, Error> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(Stored {
            id: text(row, 0)?,
            idempotency_key: text(row, 1)?,
            status: status_from(&text(row, 2)?)?,
            created_at: int(row, 3)?,
            expires_at: int(row, 4)?,
            closed_at: opt_int(row, 5)?,
            seq: int(row, 6)?,
            lines: Vec::new(),
        });
    }
    let mut lines: HashMap<String, Vec<ReservationLine>> = HashMap::new();
    for chunk in out.chunks(CHUNK) {
        let sql = format!(
            "SELECT reservation_id, variant_id, quantity FROM inventory_reservation_lines \
             WHERE reservation_id IN ({}) ORDER BY reservation_id, position",
            db::placeholders(chunk.len())
        );
        let params: Vec<Value> = chunk.iter().map(|r| t(r.id.as_str())).collect();
        for row in query(conn, &sql, &params)? {
            lines
                .entry(text(&row, 0)?)
                .or_default()
                .push(ReservationLine {
                    variant_id: text(&row, 1)?,
                    quantity: u32_from(int(&row, 2)?),
                });
        }
    }
    for r in &mut out {
        r.lines = lines.remove(&r.id).unwrap_or_default();
        if r.lines.is_empty() {
            return Err(broken(format!("reservation {} has no lines", r.id)));
        }
    }
    Ok(out)
}

/// The reservation whose `column` (`id` or `idempotency_key`) is `value`.
fn reservation_where(
    conn: &Connection,
    column: &'static str,
    value: &str,
) -> Result<Option<Stored>, Error> {
    let sql =
        format!("SELECT {RESERVATION_COLUMNS} FROM inventory_reservations WHERE {column} = ?");
    let rows = query(conn, &sql, &[t(value)])?;
    Ok(reservations_from(conn, &rows)?.into_iter().next())
}

/// Whether two reservation requests ask for the same lines, in any order.
fn same_lines(a: &[ReservationLine], b: &[ReservationLine]) -> bool {
    let key = |lines: &[ReservationLine]| {
        let mut v: Vec<(String, u32)> = lines
            .iter()
            .map(|l| (l.variant_id.clone(), l.quantity))
            .collect();
        v.sort();
        v
    };
    key(a) == key(b)
}

/// Reclaims those of the reservations `candidates` that are active in storage and whose time
/// is up as of `now`: gives their held quantities back to `available`, unholds their lines
/// and marks them `expired`, closed at their expiry. Returns how many it reclaimed. Runs
/// inside the caller's write transaction.
fn reclaim_ids(conn: &Connection, candidates: &[String], now: i64) -> Result<u32, Error> {
    let mut reclaimed = 0;
    for chunk in candidates.chunks(CHUNK) {
        let list = db::placeholders(chunk.len());
        let mut params = vec![i(now)];
        params.extend(chunk.iter().map(|id| t(id.as_str())));
        let lapsed: Vec<Value> = query(
            conn,
            &format!(
                "SELECT id FROM inventory_reservations \
                 WHERE status = 'active' AND expires_at <= ? AND id IN ({list})"
            ),
            &params,
        )?
        .iter()
        .map(|r| text(r, 0).map(t))
        .collect::<Result<_, _>>()?;
        if lapsed.is_empty() {
            continue;
        }
        let list = db::placeholders(lapsed.len());
        let held = query(
            conn,
            &format!(
                "SELECT variant_id, SUM(quantity) FROM inventory_reservation_lines \
                 WHERE held = 1 AND reservation_id IN ({list}) GROUP BY variant_id"
            ),
            &lapsed,
        )?;
        for row in &held {
            let variant_id = text(row, 0)?;
            let quantity = int(row, 1)?;
            let applied = query(
                conn,
                "UPDATE inventory_stock SET reserved = reserved - ?, updated_at = ? \
                 WHERE variant_id = ? AND reserved >= ? RETURNING reserved",
                &[i(quantity), i(now), t(variant_id.as_str()), i(quantity)],
            )?;
            if applied.is_empty() {
                return Err(broken(format!(
                    "{variant_id} reserves less than its reservations hold"
                )));
            }
        }
        conn.execute(
            &format!(
                "UPDATE inventory_reservation_lines SET held = 0 \
                 WHERE held = 1 AND reservation_id IN ({list})"
            ),
            &lapsed,
        )?;
        let marked = query(
            conn,
            &format!(
                "UPDATE inventory_reservations SET status = 'expired', closed_at = expires_at \
                 WHERE status = 'active' AND id IN ({list}) RETURNING id"
            ),
            &lapsed,
        )?;
        reclaimed += u32::try_from(marked.len()).unwrap_or(u32::MAX);
    }
    Ok(reclaimed)
}

/// Reclaims every reservation holding any of `variant_ids` whose time is up as of `now`.
/// Runs inside the caller's write transaction.
fn reclaim_variants(conn: &Connection, variant_ids: &[&str], now: i64) -> Result<u32, Error> {
    let mut candidates: Vec<String> = Vec::new();
    for chunk in variant_ids.chunks(CHUNK) {
        let mut params = vec![i(now)];
        params.extend(chunk.iter().map(|v| t(*v)));
        let sql = format!(
            "SELECT DISTINCT reservation_id FROM inventory_reservation_lines \
             WHERE held = 1 AND expires_at <= ? AND variant_id IN ({})",
            db::placeholders(chunk.len())
        );
        for row in query(conn, &sql, &params)? {
            candidates.push(text(&row, 0)?);
        }
    }
    candidates.sort();
    candidates.dedup();
    reclaim_ids(conn, &candidates, now)
}

/// A movement to write.
struct NewMovement<'a> {
    variant_id: &'a str,
    delta: i64,
    on_hand_after: i64,
    reason: MovementReason,
    note: Option<&'a str>,
    actor: &'a str,
    reservation_id: Option<&'a str>,
    idempotency_key: Option<&'a str>,
}

/// Writes one movement and returns it. Runs inside the caller's write transaction.
fn insert_movement(
    conn: &Connection,
    m: NewMovement<'_>,
    now: i64,
) -> Result<StockMovement, Error> {
    let delta = i32::try_from(m.delta)
        .map_err(|_| broken(format!("a change of {} does not fit a movement", m.delta)))?;
    let id = ids::new_id(MOVEMENT_PREFIX);
    conn.execute(
        "INSERT INTO inventory_movements \
         (id, seq, variant_id, delta, on_hand_after, reason, note, actor, reservation_id, \
         idempotency_key, created_at) VALUES (?, \
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM inventory_movements), \
         ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            t(id.as_str()),
            t(m.variant_id),
            i(delta),
            i(m.on_hand_after),
            t(reason_text(m.reason)),
            opt_t(m.note),
            t(m.actor),
            opt_t(m.reservation_id),
            opt_t(m.idempotency_key),
            i(now),
        ],
    )?;
    Ok(StockMovement {
        id,
        variant_id: m.variant_id.to_owned(),
        delta,
        on_hand_after: u32_from(m.on_hand_after),
        reason: m.reason,
        note: m.note.map(str::to_owned),
        actor: m.actor.to_owned(),
        reservation_id: m.reservation_id.map(str::to_owned),
        created_at: now,
    })
}

/// A movement row selected with [`MOVEMENT_COLUMNS`], and its `seq`.
fn movement_from(row: &RowResult) -> Result<(StockMovement, i64), Error> {
    Ok((
        StockMovement {
            id: text(row, 0)?,
            variant_id: text(row, 1)?,
            delta: i32::try_from(int(row, 2)?)
                .map_err(|_| broken("a movement's delta is out of range".into()))?,
            on_hand_after: u32_from(int(row, 3)?),
            reason: reason_from(&text(row, 4)?)?,
            note: opt_text(row, 5)?,
            actor: text(row, 6)?,
            reservation_id: opt_text(row, 7)?,
            created_at: int(row, 8)?,
        },
        int(row, 9)?,
    ))
}

/// The movement written by a call with this idempotency key, if any.
fn movement_by_key(conn: &Connection, key: &str) -> Result<Option<StockMovement>, Error> {
    let sql =
        format!("SELECT {MOVEMENT_COLUMNS} FROM inventory_movements WHERE idempotency_key = ?");
    query(conn, &sql, &[t(key)])?
        .first()
        .map(|r| movement_from(r).map(|(m, _)| m))
        .transpose()
}

/// Whether `m` is what the adjustment `a` wrote (same variant, change, reason, note, actor).
fn adjustment_wrote(m: &StockMovement, a: &NewAdjustment) -> bool {
    m.variant_id == a.variant_id
        && m.delta == a.delta
        && m.reason == a.reason
        && m.note == a.note
        && m.actor == a.actor
}

/// Whether `m` is what the count `c` wrote (same variant, number, note, actor).
fn count_wrote(m: &StockMovement, c: &NewCount) -> bool {
    m.variant_id == c.variant_id
        && m.reason == MovementReason::Recount
        && m.on_hand_after == c.on_hand
        && m.note == c.note
        && m.actor == c.actor
}

/// The next-page position after `rows` (one more than the page was asked for when more
/// follow): the (key, id) of the last item shown.
fn next_position(more: bool, last: Option<(i64, String)>) -> Option<(i64, String)> {
    if more { last } else { None }
}

impl Store {
    /// Opens the default database, creating or migrating the inventory tables if needed.
    pub fn open() -> Result<Self, Error> {
        let conn = db::instance_connection(schema::VERSION_TABLE, schema::MIGRATIONS)?;
        Ok(Self { conn })
    }

    /// Reclaims, in a short transaction of its own, the lapsed reservations of variants a
    /// read found lapsed holds on. Best effort: the read already answered without them, so
    /// a failure here (say, a busy database) changes nothing the caller sees.
    fn reclaim_after_read(&self, variant_ids: &[&str], now: i64) {
        if variant_ids.is_empty() {
            return;
        }
        let _ = db::transaction(&self.conn, |conn| reclaim_variants(conn, variant_ids, now));
    }

    /// The stock of each of `variant_ids` as of `now`, in the order asked.
    pub fn availability(
        &self,
        variant_ids: &[String],
        now: i64,
        threshold: u32,
    ) -> Result<Vec<StockLevel>, Error> {
        let mut distinct: Vec<&str> = variant_ids.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        // (on hand, reserved as of now), and which variants had lapsed holds.
        let mut found: HashMap<String, (i64, i64)> = HashMap::new();
        let mut lapsed: Vec<String> = Vec::new();
        for chunk in distinct.chunks(CHUNK) {
            let sql = format!(
                "SELECT s.variant_id, s.on_hand, s.reserved, {LAPSED} FROM inventory_stock s \
                 WHERE s.variant_id IN ({})",
                db::placeholders(chunk.len())
            );
            let mut params = vec![i(now)];
            params.extend(chunk.iter().map(|v| t(*v)));
            for row in query(&self.conn, &sql, &params)? {
                let variant_id = text(&row, 0)?;
                let lapsed_quantity = int(&row, 3)?;
                if lapsed_quantity > 0 {
                    lapsed.push(variant_id.clone());
                }
                found.insert(variant_id, (int(&row, 1)?, int(&row, 2)? - lapsed_quantity));
            }
        }
        let levels = variant_ids
            .iter()
            .map(|id| {
                let (on_hand, reserved) = found.get(id).copied().unwrap_or((0, 0));
                level(id.clone(), on_hand, reserved, threshold)
            })
            .collect();
        let lapsed: Vec<&str> = lapsed.iter().map(String::as_str).collect();
        self.reclaim_after_read(&lapsed, now);
        Ok(levels)
    }

    /// Holds every line of `request` or none. The request is already validated.
    pub fn reserve(&self, request: &NewReservation, now: i64) -> Result<Reservation, Error> {
        db::transaction(&self.conn, |conn| {
            if let Some(first) =
                reservation_where(conn, "idempotency_key", &request.idempotency_key)?
            {
                return if same_lines(&first.lines, &request.lines) {
                    Ok(first.seen_at(now))
                } else {
                    Err(Error::Conflict(format!("reservation {}", first.id)))
                };
            }
            let variant_ids: Vec<&str> = request
                .lines
                .iter()
                .map(|l| l.variant_id.as_str())
                .collect();
            reclaim_variants(conn, &variant_ids, now)?;

            // The conditional update is the guard: it applies only where the available
            // stock covers the line, so no interleaving can take more than there is.
            let mut shortages = Vec::new();
            for line in &request.lines {
                let applied = query(
                    conn,
                    "UPDATE inventory_stock SET reserved = reserved + ?, updated_at = ? \
                     WHERE variant_id = ? AND on_hand - reserved >= ? RETURNING reserved",
                    &[
                        i(line.quantity),
                        i(now),
                        t(line.variant_id.as_str()),
                        i(line.quantity),
                    ],
                )?;
                if applied.is_empty() {
                    let (on_hand, reserved) = stock_row(conn, &line.variant_id)?.unwrap_or((0, 0));
                    shortages.push(Shortage {
                        variant_id: line.variant_id.clone(),
                        requested: line.quantity,
                        available: u32_from(on_hand - reserved),
                    });
                }
            }
            if !shortages.is_empty() {
                // Rolls back the lines that were held: all or nothing.
                return Err(Error::InsufficientStock(shortages));
            }

            let id = ids::new_id(RESERVATION_PREFIX);
            let expires_at = now + i64::from(request.ttl_seconds) * 1000;
            conn.execute(
                "INSERT INTO inventory_reservations \
                 (id, seq, idempotency_key, status, created_at, expires_at, closed_at) VALUES \
                 (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM inventory_reservations), \
                 ?, 'active', ?, ?, NULL)",
                &[
                    t(id.as_str()),
                    t(request.idempotency_key.as_str()),
                    i(now),
                    i(expires_at),
                ],
            )?;
            for (position, line) in request.lines.iter().enumerate() {
                conn.execute(
                    "INSERT INTO inventory_reservation_lines \
                     (reservation_id, variant_id, position, quantity, held, expires_at) \
                     VALUES (?, ?, ?, ?, 1, ?)",
                    &[
                        t(id.as_str()),
                        t(line.variant_id.as_str()),
                        i(position as i64),
                        i(line.quantity),
                        i(expires_at),
                    ],
                )?;
            }
            Ok(Reservation {
                id,
                idempotency_key: request.idempotency_key.clone(),
                lines: request.lines.clone(),
                status: ReservationStatus::Active,
                created_at: now,
                expires_at,
                closed_at: None,
            })
        })
    }

    /// Turns an active reservation into a sale.
    pub fn commit(&self, id: &str, now: i64) -> Result<Reservation, Error> {
        // The outer result rolls back (storage trouble); the inner one is the answer, given
        // after committing whatever reclaiming the call did.
        db::transaction(
            &self.conn,
            |conn| -> Result<Result<Reservation, Error>, Error> {
                let Some(r) = reservation_where(conn, "id", id)? else {
                    return Ok(Err(Error::NotFound));
                };
                match r.status {
                    ReservationStatus::Committed => return Ok(Ok(r.seen_at(now))),
                    ReservationStatus::Released | ReservationStatus::Expired => {
                        return Ok(Err(Error::ReservationNotActive(r.status)));
                    }
                    ReservationStatus::Active if r.expires_at <= now => {
                        reclaim_ids(conn, std::slice::from_ref(&r.id), now)?;
                        return Ok(Err(Error::ReservationNotActive(ReservationStatus::Expired)));
                    }
                    ReservationStatus::Active => {}
                }
                for line in &r.lines {
                    let applied = query(
                        conn,
                        "UPDATE inventory_stock SET on_hand = on_hand - ?, reserved = reserved - ?, \
                     updated_at = ? WHERE variant_id = ? AND reserved >= ? RETURNING on_hand",
                        &[
                            i(line.quantity),
                            i(line.quantity),
                            i(now),
                            t(line.variant_id.as_str()),
                            i(line.quantity),
                        ],
                    )?;
                    let on_hand_after = match applied.first() {
                        Some(row) => int(row, 0)?,
                        None => {
                            return Err(broken(format!(
                                "{} reserves less than reservation {} holds",
                                line.variant_id, r.id
                            )));
                        }
                    };
                    insert_movement(
                        conn,
                        NewMovement {
                            variant_id: &line.variant_id,
                            delta: -i64::from(line.quantity),
                            on_hand_after,
                            reason: MovementReason::Sale,
                            note: None,
                            actor: SYSTEM_ACTOR,
                            reservation_id: Some(&r.id),
                            idempotency_key: None,
                        },
                        now,
                    )?;
                }
                self.close(conn, &r.id, ReservationStatus::Committed, now)?;
                Ok(Ok(Reservation {
                    status: ReservationStatus::Committed,
                    closed_at: Some(now),
                    ..r.seen_at(now)
                }))
            },
        )?
    }

    /// Gives an active reservation's stock back.
    pub fn release(&self, id: &str, now: i64) -> Result<Reservation, Error> {
        db::transaction(
            &self.conn,
            |conn| -> Result<Result<Reservation, Error>, Error> {
                let Some(r) = reservation_where(conn, "id", id)? else {
                    return Ok(Err(Error::NotFound));
                };
                match r.status {
                    ReservationStatus::Released | ReservationStatus::Expired => {
                        return Ok(Ok(r.seen_at(now)));
                    }
                    ReservationStatus::Committed => {
                        return Ok(Err(Error::ReservationNotActive(r.status)));
                    }
                    ReservationStatus::Active if r.expires_at <= now => {
                        reclaim_ids(conn, std::slice::from_ref(&r.id), now)?;
                        return Ok(Ok(r.seen_at(now)));
                    }
                    ReservationStatus::Active => {}
                }
                for line in &r.lines {
                    let applied = query(
                        conn,
                        "UPDATE inventory_stock SET reserved = reserved - ?, updated_at = ? \
                     WHERE variant_id = ? AND reserved >= ? RETURNING reserved",
                        &[
                            i(line.quantity),
                            i(now),
                            t(line.variant_id.as_str()),
                            i(line.quantity),
                        ],
                    )?;
                    if applied.is_empty() {
                        return Err(broken(format!(
                            "{} reserves less than reservation {} holds",
                            line.variant_id, r.id
                        )));
                    }
                }
                self.close(conn, &r.id, ReservationStatus::Released, now)?;
                Ok(Ok(Reservation {
                    status: ReservationStatus::Released,
                    closed_at: Some(now),
                    ..r.seen_at(now)
                }))
            },
        )?
    }

    /// Marks an active reservation `status` (committed or released) and unholds its lines,
    /// whose stock the caller has already moved.
    fn close(
        &self,
        conn: &Connection,
        id: &str,
        status: ReservationStatus,
        now: i64,
    ) -> Result<(), Error> {
        conn.execute(
            "UPDATE inventory_reservation_lines SET held = 0 WHERE reservation_id = ?",
            &[t(id)],
        )?;
        let closed = query(
            conn,
            "UPDATE inventory_reservations SET status = ?, closed_at = ? \
             WHERE id = ? AND status = 'active' RETURNING id",
            &[t(status_text(status)), i(now), t(id)],
        )?;
        if closed.is_empty() {
            return Err(broken(format!("reservation {id} was not active")));
        }
        Ok(())
    }

    /// A reservation with its status as of `now`.
    pub fn reservation(&self, id: &str, now: i64) -> Result<Option<Reservation>, Error> {
        Ok(reservation_where(&self.conn, "id", id)?.map(|r| r.seen_at(now)))
    }

    /// Adds or removes units. The adjustment is already validated.
    pub fn adjust(&self, a: &NewAdjustment, now: i64) -> Result<StockMovement, Error> {
        db::transaction(
            &self.conn,
            |conn| -> Result<Result<StockMovement, Error>, Error> {
                if let Some(key) = &a.idempotency_key
                    && let Some(first) = movement_by_key(conn, key)?
                {
                    return Ok(if adjustment_wrote(&first, a) {
                        Ok(first)
                    } else {
                        Err(Error::Conflict(format!("movement {}", first.id)))
                    });
                }
                reclaim_variants(conn, &[a.variant_id.as_str()], now)?;
                let delta = i64::from(a.delta);
                let on_hand_after = if delta > 0 {
                    let applied = query(
                        conn,
                        "INSERT INTO inventory_stock \
                     (variant_id, on_hand, reserved, created_at, updated_at) \
                     VALUES (?, ?, 0, ?, ?) ON CONFLICT (variant_id) DO UPDATE \
                     SET on_hand = on_hand + excluded.on_hand, updated_at = excluded.updated_at \
                     WHERE on_hand + excluded.on_hand <= ? RETURNING on_hand",
                        &[
                            t(a.variant_id.as_str()),
                            i(delta),
                            i(now),
                            i(now),
                            i(MAX_ON_HAND),
                        ],
                    )?;
                    match applied.first() {
                        Some(row) => int(row, 0)?,
                        None => {
                            return Ok(Err(invalid(vec![(
                                "/delta".into(),
                                format!("would raise on-hand above {MAX_ON_HAND}"),
                            )])));
                        }
                    }
                } else {
                    // Applies only if on-hand stays at or above reserved: stock promised to a
                    // checkout is never taken away.
                    let applied = query(
                        conn,
                        "UPDATE inventory_stock SET on_hand = on_hand + ?, updated_at = ? \
                     WHERE variant_id = ? AND on_hand + ? >= reserved RETURNING on_hand",
                        &[i(delta), i(now), t(a.variant_id.as_str()), i(delta)],
                    )?;
                    match applied.first() {
                        Some(row) => int(row, 0)?,
                        None => {
                            let (on_hand, reserved) =
                                stock_row(conn, &a.variant_id)?.unwrap_or((0, 0));
                            return Ok(Err(Error::InsufficientStock(vec![Shortage {
                                variant_id: a.variant_id.clone(),
                                requested: a.delta.unsigned_abs(),
                                available: u32_from(on_hand - reserved),
                            }])));
                        }
                    }
                };
                insert_movement(
                    conn,
                    NewMovement {
                        variant_id: &a.variant_id,
                        delta,
                        on_hand_after,
                        reason: a.reason,
                        note: a.note.as_deref(),
                        actor: &a.actor,
                        reservation_id: None,
                        idempotency_key: a.idempotency_key.as_deref(),
                    },
                    now,
                )
                .map(Ok)
            },
        )?
    }

    /// Sets on-hand to a counted number. The count is already validated.
    pub fn set_on_hand(&self, c: &NewCount, now: i64) -> Result<StockMovement, Error> {
        db::transaction(
            &self.conn,
            |conn| -> Result<Result<StockMovement, Error>, Error> {
                if let Some(key) = &c.idempotency_key
                    && let Some(first) = movement_by_key(conn, key)?
                {
                    return Ok(if count_wrote(&first, c) {
                        Ok(first)
                    } else {
                        Err(Error::Conflict(format!("movement {}", first.id)))
                    });
                }
                reclaim_variants(conn, &[c.variant_id.as_str()], now)?;
                let (on_hand, reserved) = stock_row(conn, &c.variant_id)?.unwrap_or((0, 0));
                let count = i64::from(c.on_hand);
                if count < reserved {
                    return Ok(Err(Error::InsufficientStock(vec![Shortage {
                        variant_id: c.variant_id.clone(),
                        requested: u32_from(on_hand - count),
                        available: u32_from(on_hand - reserved),
                    }])));
                }
                let applied = query(
                    conn,
                    "INSERT INTO inventory_stock \
                 (variant_id, on_hand, reserved, created_at, updated_at) \
                 VALUES (?, ?, 0, ?, ?) ON CONFLICT (variant_id) DO UPDATE \
                 SET on_hand = excluded.on_hand, updated_at = excluded.updated_at \
                 WHERE reserved <= excluded.on_hand RETURNING on_hand",
                    &[t(c.variant_id.as_str()), i(count), i(now), i(now)],
                )?;
                if applied.is_empty() {
                    return Err(broken(format!(
                        "{} changed inside a transaction",
                        c.variant_id
                    )));
                }
                insert_movement(
                    conn,
                    NewMovement {
                        variant_id: &c.variant_id,
                        delta: count - on_hand,
                        on_hand_after: count,
                        reason: MovementReason::Recount,
                        note: c.note.as_deref(),
                        actor: &c.actor,
                        reservation_id: None,
                        idempotency_key: c.idempotency_key.as_deref(),
                    },
                    now,
                )
                .map(Ok)
            },
        )?
    }

    /// One page of the audit trail, newest first, and where the next page starts.
    pub fn list_movements(
        &self,
        filter: &MovementFilter,
        page: &Page,
    ) -> Result<Listed<StockMovement>, Error> {
        let mut sql = format!("SELECT {MOVEMENT_COLUMNS} FROM inventory_movements WHERE 1 = 1");
        let mut params = Vec::new();
        if let Some(variant_id) = &filter.variant_id {
            sql.push_str(" AND variant_id = ?");
            params.push(t(variant_id.as_str()));
        }
        if let Some(reason) = filter.reason {
            sql.push_str(" AND reason = ?");
            params.push(t(reason_text(reason)));
        }
        if let Some(since) = filter.since {
            sql.push_str(" AND created_at >= ?");
            params.push(i(since));
        }
        if let Some((seq, _)) = &page.after {
            sql.push_str(" AND seq < ?");
            params.push(i(*seq));
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        params.push(i(page.limit + 1));
        let rows = query(&self.conn, &sql, &params)?;
        let more = rows.len() > page.limit as usize;
        let mut items = Vec::with_capacity(rows.len().min(page.limit as usize));
        let mut last = None;
        for row in rows.iter().take(page.limit as usize) {
            let (movement, seq) = movement_from(row)?;
            last = Some((seq, movement.id.clone()));
            items.push(movement);
        }
        Ok((items, next_position(more, last)))
    }

    /// One page of stock levels as of `now`, by variant id, and where the next page starts.
    pub fn list_stock(
        &self,
        filter: &StockFilter,
        page: &Page,
        now: i64,
        threshold: u32,
    ) -> Result<Listed<StockLevel>, Error> {
        let mut inner = format!(
            "SELECT s.variant_id AS variant_id, s.on_hand AS on_hand, \
             s.reserved - {LAPSED} AS reserved_now, {LAPSED} AS lapsed \
             FROM inventory_stock s"
        );
        let mut params = vec![i(now), i(now)];
        if let Some((_, variant_id)) = &page.after {
            inner.push_str(" WHERE s.variant_id > ?");
            params.push(t(variant_id.as_str()));
        }
        let mut sql =
            format!("SELECT variant_id, on_hand, reserved_now, lapsed FROM ({inner}) WHERE 1 = 1");
        if let Some(below) = filter.available_below {
            sql.push_str(" AND on_hand - reserved_now < ?");
            params.push(i(below));
        }
        sql.push_str(" ORDER BY variant_id LIMIT ?");
        params.push(i(page.limit + 1));
        let rows = query(&self.conn, &sql, &params)?;
        let more = rows.len() > page.limit as usize;
        let mut items = Vec::with_capacity(rows.len().min(page.limit as usize));
        let mut lapsed = Vec::new();
        for row in rows.iter().take(page.limit as usize) {
            let variant_id = text(row, 0)?;
            let on_hand = int(row, 1)?;
            let reserved = int(row, 2)?;
            if int(row, 3)? > 0 {
                lapsed.push(variant_id.clone());
            }
            items.push(level(variant_id, on_hand, reserved, threshold));
        }
        let lapsed: Vec<&str> = lapsed.iter().map(String::as_str).collect();
        self.reclaim_after_read(&lapsed, now);
        let last = items.last().map(|s| (0, s.variant_id.clone()));
        Ok((items, next_position(more, last)))
    }

    /// One page of reservations as of `now`, newest first, and where the next page starts.
    pub fn list_reservations(
        &self,
        filter: &ReservationFilter,
        page: &Page,
        now: i64,
    ) -> Result<Listed<Reservation>, Error> {
        let mut sql =
            format!("SELECT {RESERVATION_COLUMNS} FROM inventory_reservations r WHERE 1 = 1");
        let mut params = Vec::new();
        match filter.status {
            None => {}
            Some(ReservationStatus::Active) => {
                sql.push_str(" AND r.status = 'active' AND r.expires_at > ?");
                params.push(i(now));
            }
            Some(ReservationStatus::Expired) => {
                sql.push_str(
                    " AND (r.status = 'expired' OR (r.status = 'active' AND r.expires_at <= ?))",
                );
                params.push(i(now));
            }
            Some(status) => {
                sql.push_str(" AND r.status = ?");
                params.push(t(status_text(status)));
            }
        }
        if let Some(variant_id) = &filter.variant_id {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM inventory_reservation_lines l \
                 WHERE l.reservation_id = r.id AND l.variant_id = ?)",
            );
            params.push(t(variant_id.as_str()));
        }
        if let Some((seq, _)) = &page.after {
            sql.push_str(" AND r.seq < ?");
            params.push(i(*seq));
        }
        sql.push_str(" ORDER BY r.seq DESC LIMIT ?");
        params.push(i(page.limit + 1));
        let rows = query(&self.conn, &sql, &params)?;
        let more = rows.len() > page.limit as usize;
        let shown = &rows[..rows.len().min(page.limit as usize)];
        let stored = reservations_from(&self.conn, shown)?;
        let last = stored.last().map(|r| (r.seq, r.id.clone()));
        let items = stored.into_iter().map(|r| r.seen_at(now)).collect();
        Ok((items, next_position(more, last)))
    }

    /// Reclaims at most `limit` lapsed reservations, oldest expiry first.
    pub fn reclaim_expired(&self, limit: u32, now: i64) -> Result<u32, Error> {
        db::transaction(&self.conn, |conn| {
            let ids: Vec<String> = query(
                conn,
                "SELECT id FROM inventory_reservations WHERE status = 'active' \
                 AND expires_at <= ? ORDER BY expires_at, id LIMIT ?",
                &[i(now), i(limit)],
            )?
            .iter()
            .map(|r| text(r, 0))
            .collect::<Result<_, _>>()?;
            reclaim_ids(conn, &ids, now)
        })
    }
}
