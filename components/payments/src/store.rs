//! The payments' SQL. Every value reaches SQLite as a parameter; the only text assembled at
//! run time joins constant fragments.
//!
//! Concurrency: Spin runs each request in a fresh instance over one shared database, so all
//! correctness comes from SQLite. Writes that read before they write run in one `BEGIN
//! IMMEDIATE` transaction ([`Store::tx`]); no provider call is ever made inside one.

use capability_kit::db::{self, i, int, opt_int, opt_t, opt_text, t, text};
use spin_sdk::sqlite::{Connection, RowResult, Value};

use crate::exports::commerce::payments::payments::{
    CaptureMode, CardSummary, Decline, DeclineCode, Error, NextAction, Payment, PaymentStatus,
    Provider, Refund, RefundStatus,
};
use crate::exports::commerce::payments::payments_admin::PaymentFilter;
use crate::schema;
use crate::validate::Page;
use commerce_types::types::Money;

const PAYMENT_COLUMNS: &str = "id, provider, provider_reference, status, amount, currency, \
     amount_captured, amount_refunded, capture_mode, order_id, next_action_kind, \
     next_action_value, card_brand, card_last4, card_exp_month, card_exp_year, decline_code, \
     decline_message, decline_provider_code, return_url, created_at, updated_at, method_ref, \
     idempotency_key, fingerprint, seq, statement_descriptor";

const REFUND_COLUMNS: &str = "id, payment_id, amount, currency, status, reason, \
     idempotency_key, provider_reference, created_at, updated_at, fingerprint, seq";

/// One page of a listing, and the (seq, id) of its last item when a next page follows.
pub type Listed<T> = (Vec<T>, Option<(i64, String)>);

/// A payment as stored, with what only the component sees.
#[derive(Clone)]
pub struct StoredPayment {
    pub payment: Payment,
    pub method_ref: String,
    pub idempotency_key: String,
    pub fingerprint: String,
    pub seq: i64,
    /// Sent to the provider with the create (and with every retry of it).
    pub statement_descriptor: Option<String>,
}

/// A refund as stored.
#[derive(Clone)]
pub struct StoredRefund {
    pub refund: Refund,
    pub fingerprint: String,
    pub seq: i64,
}

/// An open payments database with an up-to-date schema.
pub struct Store {
    conn: std::rc::Rc<Connection>,
}

pub fn provider_text(p: Provider) -> &'static str {
    match p {
        Provider::Test => "test",
        Provider::Stripe => "stripe",
    }
}

fn provider_from(s: &str) -> Result<Provider, Error> {
    match s {
        "test" => Ok(Provider::Test),
        "stripe" => Ok(Provider::Stripe),
        _ => Err(Error::Storage(format!("unknown provider {s:?}"))),
    }
}

pub fn status_text(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::RequiresConfirmation => "requires-confirmation",
        PaymentStatus::RequiresAction => "requires-action",
        PaymentStatus::Processing => "processing",
        PaymentStatus::RequiresCapture => "requires-capture",
        PaymentStatus::Succeeded => "succeeded",
        PaymentStatus::Failed => "failed",
        PaymentStatus::Cancelled => "cancelled",
    }
}

fn status_from(s: &str) -> Result<PaymentStatus, Error> {
    Ok(match s {
        "requires-confirmation" => PaymentStatus::RequiresConfirmation,
        "requires-action" => PaymentStatus::RequiresAction,
        "processing" => PaymentStatus::Processing,
        "requires-capture" => PaymentStatus::RequiresCapture,
        "succeeded" => PaymentStatus::Succeeded,
        "failed" => PaymentStatus::Failed,
        "cancelled" => PaymentStatus::Cancelled,
        _ => return Err(Error::Storage(format!("unknown status {s:?}"))),
    })
}

fn refund_status_text(s: RefundStatus) -> &'static str {
    match s {
        RefundStatus::Pending => "pending",
        RefundStatus::Succeeded => "succeeded",
        RefundStatus::Failed => "failed",
    }
}

fn refund_status_from(s: &str) -> Result<RefundStatus, Error> {
    Ok(match s {
        "pending" => RefundStatus::Pending,
        "succeeded" => RefundStatus::Succeeded,
        "failed" => RefundStatus::Failed,
        _ => return Err(Error::Storage(format!("unknown refund status {s:?}"))),
    })
}

const DECLINE_CODES: &[(DeclineCode, &str)] = &[
    (DeclineCode::CardDeclined, "card-declined"),
    (DeclineCode::InsufficientFunds, "insufficient-funds"),
    (DeclineCode::ExpiredCard, "expired-card"),
    (DeclineCode::IncorrectCvc, "incorrect-cvc"),
    (DeclineCode::IncorrectNumber, "incorrect-number"),
    (DeclineCode::AuthenticationFailed, "authentication-failed"),
    (DeclineCode::Fraudulent, "fraudulent"),
    (DeclineCode::ProcessingError, "processing-error"),
    (DeclineCode::Other, "other"),
];

fn decline_text(c: DeclineCode) -> &'static str {
    DECLINE_CODES
        .iter()
        .find(|(code, _)| *code == c)
        .map_or("other", |(_, t)| t)
}

fn decline_from(s: &str) -> DeclineCode {
    DECLINE_CODES
        .iter()
        .find(|(_, t)| *t == s)
        .map_or(DeclineCode::Other, |(c, _)| *c)
}

fn money(amount: i64, currency: &str) -> Money {
    Money {
        amount,
        currency: currency.to_owned(),
    }
}

fn payment_row(row: &RowResult) -> Result<StoredPayment, Error> {
    let currency = text(row, 5)?;
    let next_action = match (opt_text(row, 10)?.as_deref(), opt_text(row, 11)?) {
        (Some("redirect"), Some(v)) => Some(NextAction::RedirectToUrl(v)),
        (Some("sdk"), Some(v)) => Some(NextAction::ProviderSdk(v)),
        _ => None,
    };
    let card = match (opt_text(row, 12)?, opt_text(row, 13)?) {
        (Some(brand), Some(last4)) => Some(CardSummary {
            brand,
            last4,
            exp_month: opt_int(row, 14)?.unwrap_or(0) as u8,
            exp_year: opt_int(row, 15)?.unwrap_or(0) as u16,
        }),
        _ => None,
    };
    let last_decline = opt_text(row, 16)?.map(|code| -> Result<Decline, Error> {
        Ok(Decline {
            code: decline_from(&code),
            message: opt_text(row, 17)?.unwrap_or_default(),
            provider_code: opt_text(row, 18)?,
        })
    });
    Ok(StoredPayment {
        payment: Payment {
            id: text(row, 0)?,
            provider: provider_from(&text(row, 1)?)?,
            provider_reference: opt_text(row, 2)?,
            status: status_from(&text(row, 3)?)?,
            amount: money(int(row, 4)?, &currency),
            amount_captured: money(int(row, 6)?, &currency),
            amount_refunded: money(int(row, 7)?, &currency),
            capture_mode: if text(row, 8)? == "manual" {
                CaptureMode::Manual
            } else {
                CaptureMode::Automatic
            },
            order_id: opt_text(row, 9)?,
            next_action,
            card,
            last_decline: last_decline.transpose()?,
            return_url: opt_text(row, 19)?,
            created_at: int(row, 20)?,
            updated_at: int(row, 21)?,
        },
        method_ref: text(row, 22)?,
        idempotency_key: text(row, 23)?,
        fingerprint: text(row, 24)?,
        seq: int(row, 25)?,
        statement_descriptor: opt_text(row, 26)?,
    })
}

fn refund_row(row: &RowResult) -> Result<StoredRefund, Error> {
    let currency = text(row, 3)?;
    Ok(StoredRefund {
        refund: Refund {
            id: text(row, 0)?,
            payment_id: text(row, 1)?,
            amount: money(int(row, 2)?, &currency),
            status: refund_status_from(&text(row, 4)?)?,
            reason: opt_text(row, 5)?,
            idempotency_key: text(row, 6)?,
            provider_reference: opt_text(row, 7)?,
            created_at: int(row, 8)?,
            updated_at: int(row, 9)?,
        },
        fingerprint: text(row, 10)?,
        seq: int(row, 11)?,
    })
}

/// The columns of a payment that change after creation, as parameters in the order of
/// [`Store::save_payment`]'s `SET` list.
fn mutable_values(p: &Payment) -> Vec<Value> {
    let (kind, value) = match &p.next_action {
        Some(NextAction::RedirectToUrl(u)) => (Some("redirect"), Some(u.clone())),
        Some(NextAction::ProviderSdk(s)) => (Some("sdk"), Some(s.clone())),
        None => (None, None),
    };
    vec![
        opt_t(p.provider_reference.clone()),
        t(status_text(p.status)),
        i(p.amount_captured.amount),
        i(p.amount_refunded.amount),
        opt_t(kind),
        opt_t(value),
        opt_t(p.card.as_ref().map(|c| c.brand.clone())),
        opt_t(p.card.as_ref().map(|c| c.last4.clone())),
        opt_i(p.card.as_ref().map(|c| i64::from(c.exp_month))),
        opt_i(p.card.as_ref().map(|c| i64::from(c.exp_year))),
        opt_t(p.last_decline.as_ref().map(|d| decline_text(d.code))),
        opt_t(p.last_decline.as_ref().map(|d| d.message.clone())),
        opt_t(
            p.last_decline
                .as_ref()
                .and_then(|d| d.provider_code.clone()),
        ),
        i(p.updated_at),
    ]
}

fn opt_i(n: Option<i64>) -> Value {
    db::opt_i(n)
}

impl Store {
    /// Opens the default database and brings the schema up to date.
    pub fn open() -> Result<Self, Error> {
        let conn = db::instance_connection(schema::VERSION_TABLE, schema::MIGRATIONS)
            .map_err(|e| Error::Storage(format!("payments sqlite open: {e}")))?;
        Ok(Store { conn })
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction.
    pub fn tx<T>(&self, f: impl FnOnce(&Self) -> Result<T, Error>) -> Result<T, Error> {
        db::transaction(&self.conn, |_| f(self))
    }

    fn one_payment(
        &self,
        condition: &str,
        params: &[Value],
    ) -> Result<Option<StoredPayment>, Error> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments_payments WHERE {condition}");
        let rows = self.conn.execute(&sql, params)?;
        rows.rows.first().map(payment_row).transpose()
    }

    pub fn payment(&self, id: &str) -> Result<Option<StoredPayment>, Error> {
        self.one_payment("id = ?", &[t(id)])
    }

    pub fn payment_by_key(&self, key: &str) -> Result<Option<StoredPayment>, Error> {
        self.one_payment("idempotency_key = ?", &[t(key)])
    }

    pub fn payment_by_reference(
        &self,
        provider: Provider,
        reference: &str,
    ) -> Result<Option<StoredPayment>, Error> {
        self.one_payment(
            "provider = ? AND provider_reference = ?",
            &[t(provider_text(provider)), t(reference)],
        )
    }

    /// Inserts `p` unless a payment has its key; the payment with the key either way.
    pub fn insert_payment(&self, s: &StoredPayment) -> Result<StoredPayment, Error> {
        self.tx(|store| {
            if let Some(existing) = store.payment_by_key(&s.idempotency_key)? {
                return Ok(existing);
            }
            let p = &s.payment;
            let mut params = vec![
                t(p.id.clone()),
                t(provider_text(p.provider)),
                i(p.amount.amount),
                t(p.amount.currency.clone()),
                t(match p.capture_mode {
                    CaptureMode::Automatic => "automatic",
                    CaptureMode::Manual => "manual",
                }),
                opt_t(p.order_id.clone()),
                opt_t(p.return_url.clone()),
                opt_t(s.statement_descriptor.clone()),
                t(s.method_ref.clone()),
                t(s.idempotency_key.clone()),
                t(s.fingerprint.clone()),
                i(p.created_at),
            ];
            params.extend(mutable_values(p));
            store.conn.execute(
                "INSERT INTO payments_payments (id, seq, provider, amount, currency, \
                 capture_mode, order_id, return_url, statement_descriptor, method_ref, \
                 idempotency_key, fingerprint, created_at, provider_reference, status, \
                 amount_captured, amount_refunded, next_action_kind, next_action_value, \
                 card_brand, card_last4, card_exp_month, card_exp_year, decline_code, \
                 decline_message, decline_provider_code, updated_at) \
                 VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM payments_payments), \
                 ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &params,
            )?;
            store
                .payment(&p.id)?
                .ok_or_else(|| Error::Storage("inserted payment vanished".into()))
        })
    }

    /// Deletes a payment the provider never accepted (no reference, no refunds).
    pub fn delete_unregistered(&self, id: &str) -> Result<(), Error> {
        self.conn.execute(
            "DELETE FROM payments_payments WHERE id = ? AND provider_reference IS NULL \
             AND status = 'requires-confirmation' \
             AND NOT EXISTS (SELECT 1 FROM payments_refunds WHERE payment_id = ?)",
            &[t(id), t(id)],
        )?;
        Ok(())
    }

    /// Writes the mutable columns of `p`.
    pub fn save_payment(&self, p: &Payment) -> Result<(), Error> {
        let mut params = mutable_values(p);
        params.push(t(p.id.clone()));
        self.conn.execute(
            "UPDATE payments_payments SET provider_reference = ?, status = ?, \
             amount_captured = ?, amount_refunded = ?, next_action_kind = ?, \
             next_action_value = ?, card_brand = ?, card_last4 = ?, card_exp_month = ?, \
             card_exp_year = ?, decline_code = ?, decline_message = ?, \
             decline_provider_code = ?, updated_at = ? WHERE id = ?",
            &params,
        )?;
        Ok(())
    }

    pub fn list_payments(&self, f: &PaymentFilter, page: &Page) -> Result<Listed<Payment>, Error> {
        let (after_seq, _) = page.after.clone().unwrap_or((i64::MAX, String::new()));
        let status = f.status.map(status_text);
        let rows = self.conn.execute(
            &format!(
                "SELECT {PAYMENT_COLUMNS} FROM payments_payments WHERE seq < ? \
                 AND (? IS NULL OR status = ?) AND (? IS NULL OR order_id = ?) \
                 ORDER BY seq DESC LIMIT ?"
            ),
            &[
                i(after_seq),
                opt_t(status),
                opt_t(status),
                opt_t(f.order_id.clone()),
                opt_t(f.order_id.clone()),
                i(i64::from(page.limit) + 1),
            ],
        )?;
        let mut items: Vec<StoredPayment> = rows
            .rows
            .iter()
            .map(payment_row)
            .collect::<Result<_, _>>()?;
        let more = items.len() > page.limit as usize;
        items.truncate(page.limit as usize);
        let next = if more {
            items.last().map(|s| (s.seq, s.payment.id.clone()))
        } else {
            None
        };
        Ok((items.into_iter().map(|s| s.payment).collect(), next))
    }

    // --- refunds ---------------------------------------------------------------------

    fn one_refund(&self, condition: &str, params: &[Value]) -> Result<Option<StoredRefund>, Error> {
        let sql = format!("SELECT {REFUND_COLUMNS} FROM payments_refunds WHERE {condition}");
        let rows = self.conn.execute(&sql, params)?;
        rows.rows.first().map(refund_row).transpose()
    }

    pub fn refund_by_key(&self, key: &str) -> Result<Option<StoredRefund>, Error> {
        self.one_refund("idempotency_key = ?", &[t(key)])
    }

    pub fn refund(&self, id: &str) -> Result<Option<StoredRefund>, Error> {
        self.one_refund("id = ?", &[t(id)])
    }

    pub fn refund_by_reference(&self, reference: &str) -> Result<Option<StoredRefund>, Error> {
        self.one_refund("provider_reference = ?", &[t(reference)])
    }

    /// Inserts a pending refund and adds its amount to the payment's `amount_refunded`.
    /// The caller holds the transaction and has checked the room.
    pub fn insert_refund(&self, r: &Refund, fingerprint: &str) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO payments_refunds (id, seq, payment_id, amount, currency, status, \
             reason, idempotency_key, fingerprint, provider_reference, created_at, updated_at) \
             VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM payments_refunds), \
             ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                t(r.id.clone()),
                t(r.payment_id.clone()),
                i(r.amount.amount),
                t(r.amount.currency.clone()),
                t(refund_status_text(r.status)),
                opt_t(r.reason.clone()),
                t(r.idempotency_key.clone()),
                t(fingerprint),
                opt_t(r.provider_reference.clone()),
                i(r.created_at),
                i(r.updated_at),
            ],
        )?;
        self.conn.execute(
            "UPDATE payments_payments SET amount_refunded = amount_refunded + ?, updated_at = ? \
             WHERE id = ?",
            &[i(r.amount.amount), i(r.created_at), t(r.payment_id.clone())],
        )?;
        Ok(())
    }

    /// Moves a refund to `status` (with `reference`); a refund that fails gives its amount
    /// back to the payment's room. The caller holds the transaction. Returns whether it
    /// changed; a failed refund never changes again, a succeeded one only to failed.
    pub fn settle_refund(
        &self,
        r: &Refund,
        status: RefundStatus,
        reference: Option<&str>,
        now: i64,
    ) -> Result<bool, Error> {
        let allowed = match (r.status, status) {
            (RefundStatus::Failed, _) => false,
            (RefundStatus::Pending, RefundStatus::Pending) => {
                r.provider_reference.is_none() && reference.is_some()
            }
            (RefundStatus::Pending, _) => true,
            (RefundStatus::Succeeded, RefundStatus::Failed) => true,
            (RefundStatus::Succeeded, _) => false,
        };
        if !allowed {
            return Ok(false);
        }
        self.conn.execute(
            "UPDATE payments_refunds SET status = ?, \
             provider_reference = COALESCE(provider_reference, ?), updated_at = ? WHERE id = ?",
            &[
                t(refund_status_text(status)),
                opt_t(reference),
                i(now),
                t(r.id.clone()),
            ],
        )?;
        if status == RefundStatus::Failed {
            self.conn.execute(
                "UPDATE payments_payments SET amount_refunded = amount_refunded - ?, \
                 updated_at = ? WHERE id = ?",
                &[i(r.amount.amount), i(now), t(r.payment_id.clone())],
            )?;
        }
        Ok(true)
    }

    pub fn list_refunds(&self, payment_id: &str, page: &Page) -> Result<Listed<Refund>, Error> {
        let (after_seq, _) = page.after.clone().unwrap_or((0, String::new()));
        let rows = self.conn.execute(
            &format!(
                "SELECT {REFUND_COLUMNS} FROM payments_refunds WHERE payment_id = ? AND seq > ? \
                 ORDER BY seq LIMIT ?"
            ),
            &[t(payment_id), i(after_seq), i(i64::from(page.limit) + 1)],
        )?;
        let mut items: Vec<StoredRefund> =
            rows.rows.iter().map(refund_row).collect::<Result<_, _>>()?;
        let more = items.len() > page.limit as usize;
        items.truncate(page.limit as usize);
        let next = if more {
            items.last().map(|s| (s.seq, s.refund.id.clone()))
        } else {
            None
        };
        Ok((items.into_iter().map(|s| s.refund).collect(), next))
    }

    // --- webhook events --------------------------------------------------------------

    /// Records event `id` of `provider`; `false` when it was recorded before. The caller
    /// holds the transaction.
    pub fn record_event(
        &self,
        provider: Provider,
        id: &str,
        kind: &str,
        now: i64,
    ) -> Result<bool, Error> {
        let rows = self.conn.execute(
            "INSERT INTO payments_webhook_events (provider, event_id, event_type, received_at) \
             VALUES (?, ?, ?, ?) ON CONFLICT (provider, event_id) DO NOTHING RETURNING 1",
            &[t(provider_text(provider)), t(id), t(kind), i(now)],
        )?;
        Ok(!rows.rows.is_empty())
    }
}
