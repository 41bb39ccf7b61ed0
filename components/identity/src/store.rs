//! Identity's SQL. Every value reaches SQLite as a parameter; every statement is a
//! constant.
//!
//! Concurrency: Spin runs each request in a fresh instance over one shared database, so
//! every rule that must not race is checked inside the `BEGIN IMMEDIATE` transaction that
//! acts on it:
//!
//! - a one-time token is used by a `DELETE … RETURNING`: of two requests with one token,
//!   one gets the row and the other `invalid-token`;
//! - a sign-in starts its session only if the account's password hash is still the one
//!   the password was checked against, so a sign-in with an old password that races a
//!   reset or a change cannot leave a session behind it (the change revokes every session
//!   it sees; the sign-in sees the new hash and fails);
//! - a password change sets the new hash only over the hash the current password was
//!   checked against; of two changes racing, the second fails as `invalid-credentials`;
//! - registration checks and inserts the email in one transaction (and the email is
//!   UNIQUE besides).
//!
//! Argon2 work happens before the transaction (see `password`), never inside it.

use capability_kit::db::{self, i, int, opt_int, opt_t, opt_text, t, text};
use capability_kit::{cursor, ids, secret};
use spin_sdk::sqlite::{Connection, RowResult, Value};

use crate::exports::commerce::identity::identity::{Customer, Error, Role, Session};
use crate::exports::commerce::identity::identity_admin::{ApiToken, Mail, MailKind};
use crate::schema;

/// Prefixes of ids and tokens.
mod staff;

pub const CUSTOMER: &str = "cus";
pub const SESSION: &str = "ses";
pub const API_TOKEN: &str = "key";
pub const MAIL: &str = "msg";
pub const SESSION_TOKEN: &str = "stk_";
pub const API_TOKEN_SECRET: &str = "atk_";
pub const RESET_TOKEN: &str = "prt_";
pub const VERIFY_TOKEN: &str = "vft_";

/// The password hash of a deleted account: no PHC string, so no password matches it.
const ERASED_HASH: &str = "!erased";

/// How many expired one-time tokens (with their messages) one write deletes at most.
const PURGE_BATCH: i64 = 50;
/// How often an API token's `last_used_at` is written, at most: once a minute.
const LAST_USED_EVERY_MS: i64 = 60_000;

/// An open identity database with an up-to-date schema.
pub struct Store {
    conn: std::rc::Rc<Connection>,
}

/// The settings of one call: now and the lifetimes, in milliseconds.
#[derive(Clone, Copy)]
pub struct Clock {
    pub now: i64,
    pub session_ttl_ms: i64,
    pub reset_ttl_ms: i64,
    pub verify_ttl_ms: i64,
}

/// An account and its password hash.
pub struct Account {
    pub customer: Customer,
    pub password_hash: String,
}

/// A customer to insert.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub email_key: &'a str,
    pub name: Option<&'a str>,
    pub marketing_consent: bool,
    pub password_hash: &'a str,
}

/// A profile change, validated.
pub struct ProfileChange<'a> {
    /// The new email and its key.
    pub email: Option<(&'a str, String)>,
    /// `Some(None)` removes the name.
    pub name: Option<Option<&'a str>>,
    pub marketing_consent: Option<bool>,
}

/// What one-time tokens are for, as their table spells them.
#[derive(Clone, Copy)]
enum OneTime {
    Verify,
    Reset,
}

impl OneTime {
    fn kind(self) -> &'static str {
        match self {
            OneTime::Verify => "verify-email",
            OneTime::Reset => "password-reset",
        }
    }
    fn prefix(self) -> &'static str {
        match self {
            OneTime::Verify => VERIFY_TOKEN,
            OneTime::Reset => RESET_TOKEN,
        }
    }
    fn ttl(self, clock: Clock) -> i64 {
        match self {
            OneTime::Verify => clock.verify_ttl_ms,
            OneTime::Reset => clock.reset_ttl_ms,
        }
    }
}

/// The role as the table spells it.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::CatalogManager => "catalog-manager",
        Role::Fulfilment => "fulfilment",
        Role::Support => "support",
        Role::ReadOnly => "read-only",
    }
}

fn role_of(name: &str) -> Result<Role, Error> {
    Ok(match name {
        "owner" => Role::Owner,
        "catalog-manager" => Role::CatalogManager,
        "fulfilment" => Role::Fulfilment,
        "support" => Role::Support,
        "read-only" => Role::ReadOnly,
        other => return Err(Error::Storage(format!("unknown role {other:?} stored"))),
    })
}

const CUSTOMER_COLUMNS: &str =
    "id, email, name, marketing_consent, verified_at, created_at, updated_at, password_hash";

fn decode_account(row: &RowResult) -> Result<Account, Error> {
    Ok(Account {
        customer: Customer {
            id: text(row, 0)?,
            email: text(row, 1)?,
            name: opt_text(row, 2)?,
            marketing_consent: int(row, 3)? != 0,
            verified: opt_int(row, 4)?.is_some(),
            created_at: int(row, 5)?,
            updated_at: int(row, 6)?,
        },
        password_hash: text(row, 7)?,
    })
}

const SESSION_COLUMNS: &str = "id, customer_id, created_at, expires_at";

fn decode_session(row: &RowResult) -> Result<Session, Error> {
    Ok(Session {
        id: text(row, 0)?,
        customer_id: text(row, 1)?,
        created_at: int(row, 2)?,
        expires_at: int(row, 3)?,
    })
}

const API_TOKEN_COLUMNS: &str =
    "id, name, role, hint, created_at, expires_at, last_used_at, revoked_at, created_by";

fn decode_api_token(row: &RowResult) -> Result<ApiToken, Error> {
    Ok(ApiToken {
        id: text(row, 0)?,
        name: text(row, 1)?,
        role: role_of(&text(row, 2)?)?,
        hint: text(row, 3)?,
        created_at: int(row, 4)?,
        expires_at: opt_int(row, 5)?,
        last_used_at: opt_int(row, 6)?,
        revoked_at: opt_int(row, 7)?,
        created_by: text(row, 8)?,
    })
}

fn decode_mail(row: &RowResult) -> Result<Mail, Error> {
    let kind = match text(row, 1)?.as_str() {
        "verify-email" => MailKind::VerifyEmail,
        "password-reset" => MailKind::PasswordReset,
        "account-exists" => MailKind::AccountExists,
        other => {
            return Err(Error::Storage(format!(
                "unknown mail kind {other:?} stored"
            )));
        }
    };
    Ok(Mail {
        id: text(row, 0)?,
        kind,
        to: text(row, 2)?,
        customer_id: text(row, 3)?,
        token: opt_text(row, 4)?,
        expires_at: opt_int(row, 5)?,
        created_at: int(row, 6)?,
    })
}

/// A page of items and the sort key and id of each, newest first.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// The keyset condition and parameters of a newest-first page after `after`.
fn page_after(after: Option<&(i64, String)>, params: &mut Vec<Value>) -> &'static str {
    match after {
        None => "1",
        Some((key, id)) => {
            params.push(i(*key));
            params.push(i(*key));
            params.push(t(id));
            "(created_at < ? OR (created_at = ? AND id < ?))"
        }
    }
}

/// Turns `limit + 1` rows into a page and the cursor after its last item.
fn into_page<T>(
    mut items: Vec<T>,
    limit: u32,
    tag: &str,
    key: impl Fn(&T) -> (i64, String),
) -> Page<T> {
    let limit = limit as usize;
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| {
            let (k, id) = key(last);
            cursor::encode(tag, k, &id)
        })
    } else {
        None
    };
    Page { items, next }
}

impl Store {
    /// Opens the default database, migrating it on this instance's first use.
    pub fn open() -> Result<Self, Error> {
        let conn = db::instance_connection(schema::VERSION_TABLE, schema::MIGRATIONS)?;
        Ok(Self { conn })
    }

    // --- Customers ---------------------------------------------------------------------

    /// The account with this email key.
    pub fn account_by_email(&self, email_key: &str) -> Result<Option<Account>, Error> {
        let rows = self.conn.execute(
            "SELECT id, email, name, marketing_consent, verified_at, created_at, updated_at, \
             password_hash FROM identity_customers WHERE email_key = ?",
            &[t(email_key)],
        )?;
        rows.rows.first().map(decode_account).transpose()
    }

    /// The account of a live session, with the session.
    pub fn account_by_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(Session, Account)>, Error> {
        live_session_account(&self.conn, token_hash, now)
    }

    /// A customer by id.
    pub fn customer(&self, id: &str) -> Result<Option<Customer>, Error> {
        Ok(account_by_id(&self.conn, id)?.map(|a| a.customer))
    }

    /// Registers an account, or for a taken email queues the "account exists" notice.
    pub fn register(&self, new: &NewAccount<'_>, clock: Clock) -> Result<(), Error> {
        db::transaction(&self.conn, |conn| {
            purge_expired(conn, clock.now)?;
            let existing = conn.execute(
                "SELECT id, email FROM identity_customers WHERE email_key = ?",
                &[t(new.email_key)],
            )?;
            if let Some(row) = existing.rows.first() {
                let (id, email) = (text(row, 0)?, text(row, 1)?);
                conn.execute(
                    "INSERT INTO identity_mail (id, kind, to_email, customer_id, created_at) \
                     VALUES (?, 'account-exists', ?, ?, ?)",
                    &[t(ids::new_id(MAIL)), t(email), t(id), i(clock.now)],
                )?;
                return Ok(());
            }
            let id = ids::new_id(CUSTOMER);
            conn.execute(
                "INSERT INTO identity_customers (id, email, email_key, name, marketing_consent, \
                 verified_at, password_hash, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                &[
                    t(&id),
                    t(new.email),
                    t(new.email_key),
                    opt_t(new.name),
                    i(i64::from(new.marketing_consent)),
                    t(new.password_hash),
                    i(clock.now),
                    i(clock.now),
                ],
            )?;
            issue(conn, OneTime::Verify, &id, new.email, new.email_key, clock)
        })
    }

    /// Starts a session for the account whose password was checked against
    /// `checked_hash`, setting `rehash` as its new hash first when given. Fails with
    /// `invalid-credentials` when the hash changed meanwhile.
    pub fn start_session(
        &self,
        customer_id: &str,
        checked_hash: &str,
        rehash: Option<&str>,
        clock: Clock,
    ) -> Result<(Session, String), Error> {
        db::transaction(&self.conn, |conn| {
            let current = conn.execute(
                "SELECT password_hash FROM identity_customers WHERE id = ?",
                &[t(customer_id)],
            )?;
            match current.rows.first() {
                Some(row) if text(row, 0)? == checked_hash => {}
                _ => return Err(Error::InvalidCredentials),
            }
            if let Some(new_hash) = rehash {
                conn.execute(
                    "UPDATE identity_customers SET password_hash = ? WHERE id = ?",
                    &[t(new_hash), t(customer_id)],
                )?;
            }
            let token = secret::new_token(SESSION_TOKEN);
            let session = Session {
                id: ids::new_id(SESSION),
                customer_id: customer_id.to_owned(),
                created_at: clock.now,
                expires_at: clock.now + clock.session_ttl_ms,
            };
            conn.execute(
                "INSERT INTO identity_sessions (id, customer_id, token_hash, created_at, \
                 expires_at) VALUES (?, ?, ?, ?, ?)",
                &[
                    t(&session.id),
                    t(customer_id),
                    t(secret::token_hash(&token)),
                    i(session.created_at),
                    i(session.expires_at),
                ],
            )?;
            Ok((session, token))
        })
    }

    /// The live session of a token hash.
    pub fn session(&self, token_hash: &str, now: i64) -> Result<Option<Session>, Error> {
        live_session(&self.conn, token_hash, now)
    }

    /// Revokes the session of a token hash, if live.
    pub fn sign_out(&self, token_hash: &str, now: i64) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE identity_sessions SET revoked_at = ? \
             WHERE token_hash = ? AND revoked_at IS NULL",
            &[i(now), t(token_hash)],
        )?;
        Ok(())
    }

    /// Revokes every session of the customer of a live session.
    pub fn sign_out_everywhere(&self, token_hash: &str, now: i64) -> Result<(), Error> {
        db::transaction(&self.conn, |conn| {
            let session = live_session(conn, token_hash, now)?.ok_or(Error::InvalidToken)?;
            revoke_sessions(conn, &session.customer_id, None, now)
        })
    }

    /// Changes the profile of the customer of a live session.
    pub fn update_profile(
        &self,
        token_hash: &str,
        change: &ProfileChange<'_>,
        clock: Clock,
    ) -> Result<Customer, Error> {
        db::transaction(&self.conn, |conn| {
            let (_, account) =
                live_session_account(conn, token_hash, clock.now)?.ok_or(Error::InvalidToken)?;
            let id = account.customer.id;
            if let Some((email, key)) = &change.email {
                let current_key = crate::validate::email_key(&account.customer.email);
                if *key != current_key {
                    let taken = conn.execute(
                        "SELECT 1 FROM identity_customers WHERE email_key = ? AND id <> ?",
                        &[t(key), t(&id)],
                    )?;
                    if !taken.rows.is_empty() {
                        return Err(Error::Conflict("email".into()));
                    }
                    conn.execute(
                        "UPDATE identity_customers SET email = ?, email_key = ?, \
                         verified_at = NULL WHERE id = ?",
                        &[t(*email), t(key), t(&id)],
                    )?;
                    // A reset sent to the old address stops working with it.
                    drop_one_time(conn, &id, OneTime::Reset)?;
                    issue(conn, OneTime::Verify, &id, email, key, clock)?;
                } else {
                    // The same address in another spelling.
                    conn.execute(
                        "UPDATE identity_customers SET email = ? WHERE id = ?",
                        &[t(*email), t(&id)],
                    )?;
                }
            }
            if let Some(name) = change.name {
                conn.execute(
                    "UPDATE identity_customers SET name = ? WHERE id = ?",
                    &[opt_t(name), t(&id)],
                )?;
            }
            if let Some(consent) = change.marketing_consent {
                conn.execute(
                    "UPDATE identity_customers SET marketing_consent = ? WHERE id = ?",
                    &[i(i64::from(consent)), t(&id)],
                )?;
            }
            conn.execute(
                "UPDATE identity_customers SET updated_at = ? WHERE id = ?",
                &[i(clock.now), t(&id)],
            )?;
            account_by_id(conn, &id)?
                .map(|a| a.customer)
                .ok_or_else(|| Error::Storage("the customer vanished".into()))
        })
    }

    /// Sets `new_hash` over `checked_hash` for the customer of a live session, and revokes
    /// the customer's other sessions.
    pub fn change_password(
        &self,
        token_hash: &str,
        checked_hash: &str,
        new_hash: &str,
        now: i64,
    ) -> Result<(), Error> {
        db::transaction(&self.conn, |conn| {
            let session = live_session(conn, token_hash, now)?.ok_or(Error::InvalidToken)?;
            let changed = conn.execute(
                "UPDATE identity_customers SET password_hash = ?, updated_at = ? \
                 WHERE id = ? AND password_hash = ? RETURNING id",
                &[
                    t(new_hash),
                    i(now),
                    t(&session.customer_id),
                    t(checked_hash),
                ],
            )?;
            if changed.rows.is_empty() {
                return Err(Error::InvalidCredentials);
            }
            revoke_sessions(conn, &session.customer_id, Some(&session.id), now)
        })
    }

    /// Erases the account of a live session whose password was checked against
    /// `checked_hash` (see `identity.delete-account`).
    pub fn delete_account(
        &self,
        token_hash: &str,
        checked_hash: &str,
        now: i64,
    ) -> Result<(), Error> {
        db::transaction(&self.conn, |conn| {
            let (_, account) =
                live_session_account(conn, token_hash, now)?.ok_or(Error::InvalidToken)?;
            if account.password_hash != checked_hash {
                return Err(Error::InvalidCredentials);
            }
            let id = account.customer.id;
            let email = format!("deleted-{}@invalid", id.to_ascii_lowercase());
            conn.execute(
                "UPDATE identity_customers SET email = ?, email_key = ?, name = NULL, \
                 marketing_consent = 0, verified_at = NULL, password_hash = ?, updated_at = ? \
                 WHERE id = ?",
                &[t(&email), t(&email), t(ERASED_HASH), i(now), t(&id)],
            )?;
            revoke_sessions(conn, &id, None, now)?;
            conn.execute(
                "DELETE FROM identity_tokens WHERE customer_id = ?",
                &[t(&id)],
            )?;
            conn.execute("DELETE FROM identity_mail WHERE customer_id = ?", &[t(&id)])?;
            // A deleted account is nobody's staff member.
            conn.execute(
                "DELETE FROM identity_staff WHERE customer_id = ?",
                &[t(&id)],
            )?;
            Ok(())
        })
    }

    /// Queues a reset message for the account with this email key, if there is one.
    pub fn request_reset(&self, email_key: &str, clock: Clock) -> Result<(), Error> {
        db::transaction(&self.conn, |conn| {
            purge_expired(conn, clock.now)?;
            let found = conn.execute(
                "SELECT id, email FROM identity_customers WHERE email_key = ?",
                &[t(email_key)],
            )?;
            let Some(row) = found.rows.first() else {
                return Ok(());
            };
            let (id, email) = (text(row, 0)?, text(row, 1)?);
            issue(conn, OneTime::Reset, &id, &email, email_key, clock)
        })
    }

    /// Whether a reset token's hash names a usable reset token now (read-only): checked
    /// before the new password is hashed, so a forged token costs no hashing.
    pub fn reset_usable(&self, token_hash: &str, now: i64) -> Result<bool, Error> {
        let found = self.conn.execute(
            "SELECT 1 FROM identity_tokens WHERE token_hash = ? AND kind = ? AND expires_at > ?",
            &[t(token_hash), t(OneTime::Reset.kind()), i(now)],
        )?;
        Ok(!found.rows.is_empty())
    }

    /// Uses a reset token: sets `new_hash`, marks the email verified, revokes every
    /// session.
    pub fn reset_password(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: i64,
    ) -> Result<Customer, Error> {
        db::transaction(&self.conn, |conn| {
            let account = use_one_time(conn, token_hash, OneTime::Reset, now)?;
            let id = account.customer.id;
            conn.execute(
                "UPDATE identity_customers SET password_hash = ?, updated_at = ?, \
                 verified_at = coalesce(verified_at, ?) WHERE id = ?",
                &[t(new_hash), i(now), i(now), t(&id)],
            )?;
            revoke_sessions(conn, &id, None, now)?;
            account_by_id(conn, &id)?
                .map(|a| a.customer)
                .ok_or_else(|| Error::Storage("the customer vanished".into()))
        })
    }

    /// Queues a verification message for the customer of a live session, unless verified.
    pub fn request_verification(&self, token_hash: &str, clock: Clock) -> Result<(), Error> {
        db::transaction(&self.conn, |conn| {
            purge_expired(conn, clock.now)?;
            let (_, account) =
                live_session_account(conn, token_hash, clock.now)?.ok_or(Error::InvalidToken)?;
            if account.customer.verified {
                return Ok(());
            }
            let c = account.customer;
            let key = crate::validate::email_key(&c.email);
            issue(conn, OneTime::Verify, &c.id, &c.email, &key, clock)
        })
    }

    /// Uses a verification token and marks the email verified.
    pub fn verify_email(&self, token_hash: &str, now: i64) -> Result<Customer, Error> {
        db::transaction(&self.conn, |conn| {
            let account = use_one_time(conn, token_hash, OneTime::Verify, now)?;
            let id = account.customer.id;
            conn.execute(
                "UPDATE identity_customers SET verified_at = coalesce(verified_at, ?), \
                 updated_at = ? WHERE id = ?",
                &[i(now), i(now), t(&id)],
            )?;
            account_by_id(conn, &id)?
                .map(|a| a.customer)
                .ok_or_else(|| Error::Storage("the customer vanished".into()))
        })
    }

    // --- API tokens --------------------------------------------------------------------

    /// The live API token of a secret's hash; records its use at most once a minute.
    pub fn api_token_in_use(&self, token_hash: &str, now: i64) -> Result<Option<ApiToken>, Error> {
        let found = self.conn.execute(
            "SELECT id, name, role, hint, created_at, expires_at, last_used_at, revoked_at, \
             created_by FROM identity_api_tokens WHERE token_hash = ? AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > ?)",
            &[t(token_hash), i(now)],
        )?;
        let Some(token) = found.rows.first().map(decode_api_token).transpose()? else {
            return Ok(None);
        };
        if token
            .last_used_at
            .is_none_or(|at| at <= now - LAST_USED_EVERY_MS)
        {
            // A write outside a transaction: one statement, and it only ever moves the
            // time forward.
            self.conn.execute(
                "UPDATE identity_api_tokens SET last_used_at = ? WHERE id = ? \
                 AND (last_used_at IS NULL OR last_used_at < ?)",
                &[i(now), t(&token.id), i(now)],
            )?;
        }
        Ok(Some(token))
    }

    /// Creates an API token; `conflict("name")` when an unrevoked one has the name.
    pub fn create_api_token(
        &self,
        name: &str,
        role: Role,
        expires_at: Option<i64>,
        actor: &str,
        now: i64,
    ) -> Result<(ApiToken, String), Error> {
        let secret = secret::new_token(API_TOKEN_SECRET);
        let id = ids::new_id(API_TOKEN);
        let hint: String = secret.chars().take(12).collect();
        let inserted = self.conn.execute(
            "INSERT INTO identity_api_tokens (id, name, role, token_hash, hint, created_at, \
             created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                t(&id),
                t(name),
                t(role_name(role)),
                t(secret::token_hash(&secret)),
                t(&hint),
                i(now),
                t(actor),
                db::opt_i(expires_at),
            ],
        );
        match inserted {
            Err(e) if db::is_unique_violation(&e, "identity_api_tokens.name") => {
                return Err(Error::Conflict("name".into()));
            }
            other => other?,
        };
        let token = self
            .api_token(&id)?
            .ok_or_else(|| Error::Storage("the token vanished".into()))?;
        Ok((token, secret))
    }

    /// An API token by id.
    pub fn api_token(&self, id: &str) -> Result<Option<ApiToken>, Error> {
        let found = self.conn.execute(
            "SELECT id, name, role, hint, created_at, expires_at, last_used_at, revoked_at, \
             created_by FROM identity_api_tokens WHERE id = ?",
            &[t(id)],
        )?;
        found.rows.first().map(decode_api_token).transpose()
    }

    /// Revokes an API token (idempotent).
    pub fn revoke_api_token(&self, id: &str, now: i64) -> Result<Option<ApiToken>, Error> {
        self.conn.execute(
            "UPDATE identity_api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            &[i(now), t(id)],
        )?;
        self.api_token(id)
    }

    /// API tokens, newest first.
    pub fn api_tokens(
        &self,
        after: Option<&(i64, String)>,
        limit: u32,
        tag: &str,
    ) -> Result<Page<ApiToken>, Error> {
        let mut params = Vec::new();
        let condition = page_after(after, &mut params);
        params.push(i(i64::from(limit) + 1));
        let sql = format!(
            "SELECT {API_TOKEN_COLUMNS} FROM identity_api_tokens WHERE {condition} \
             ORDER BY created_at DESC, id DESC LIMIT ?"
        );
        let rows = self.conn.execute(&sql, &params)?;
        let items = rows
            .rows
            .iter()
            .map(decode_api_token)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(into_page(items, limit, tag, |x| {
            (x.created_at, x.id.clone())
        }))
    }

    // --- The owner's views -------------------------------------------------------------

    /// Customers, newest first, by email prefix (of the key) and verification.
    pub fn customers(
        &self,
        email_prefix: Option<&str>,
        verified: Option<bool>,
        after: Option<&(i64, String)>,
        limit: u32,
        tag: &str,
    ) -> Result<Page<Customer>, Error> {
        let mut params = Vec::new();
        let condition = page_after(after, &mut params);
        // Each filter is always in the statement and switched off by a NULL parameter, so
        // the statement stays one constant. The prefix is compared on the email key.
        let prefix = email_prefix.map(crate::validate::email_key);
        let prefix_chars = prefix.as_ref().map(|p| p.chars().count() as i64);
        params.push(opt_t(prefix.clone()));
        params.push(db::opt_i(prefix_chars));
        params.push(opt_t(prefix));
        params.push(db::opt_i(verified.map(i64::from)));
        params.push(db::opt_i(verified.map(i64::from)));
        params.push(i(i64::from(limit) + 1));
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM identity_customers WHERE {condition} \
             AND (? IS NULL OR substr(email_key, 1, ?) = ?) \
             AND (? IS NULL OR (verified_at IS NOT NULL) = ?) \
             ORDER BY created_at DESC, id DESC LIMIT ?"
        );
        let rows = self.conn.execute(&sql, &params)?;
        let items = rows
            .rows
            .iter()
            .map(|r| decode_account(r).map(|a| a.customer))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(into_page(items, limit, tag, |x| {
            (x.created_at, x.id.clone())
        }))
    }

    /// A customer's live sessions, newest first.
    pub fn sessions(
        &self,
        customer_id: &str,
        now: i64,
        after: Option<&(i64, String)>,
        limit: u32,
        tag: &str,
    ) -> Result<Page<Session>, Error> {
        let mut params = vec![t(customer_id), i(now)];
        let condition = page_after(after, &mut params);
        params.push(i(i64::from(limit) + 1));
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM identity_sessions WHERE customer_id = ? \
             AND revoked_at IS NULL AND expires_at > ? AND {condition} \
             ORDER BY created_at DESC, id DESC LIMIT ?"
        );
        let rows = self.conn.execute(&sql, &params)?;
        let items = rows
            .rows
            .iter()
            .map(decode_session)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(into_page(items, limit, tag, |x| {
            (x.created_at, x.id.clone())
        }))
    }

    /// Revokes every session of a customer.
    pub fn revoke_customer_sessions(&self, customer_id: &str, now: i64) -> Result<(), Error> {
        revoke_sessions(&self.conn, customer_id, None, now)
    }

    /// The outbox, newest first (expired messages left out).
    pub fn mail(
        &self,
        now: i64,
        after: Option<&(i64, String)>,
        limit: u32,
        tag: &str,
    ) -> Result<Page<Mail>, Error> {
        let mut params = vec![i(now)];
        let condition = page_after(after, &mut params);
        params.push(i(i64::from(limit) + 1));
        let sql = format!(
            "SELECT id, kind, to_email, customer_id, token, expires_at, created_at \
             FROM identity_mail WHERE (expires_at IS NULL OR expires_at > ?) AND {condition} \
             ORDER BY created_at DESC, id DESC LIMIT ?"
        );
        let rows = self.conn.execute(&sql, &params)?;
        let items = rows
            .rows
            .iter()
            .map(decode_mail)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(into_page(items, limit, tag, |x| {
            (x.created_at, x.id.clone())
        }))
    }
}

fn account_by_id(conn: &Connection, id: &str) -> Result<Option<Account>, Error> {
    let rows = conn.execute(
        "SELECT id, email, name, marketing_consent, verified_at, created_at, updated_at, \
         password_hash FROM identity_customers WHERE id = ?",
        &[t(id)],
    )?;
    rows.rows.first().map(decode_account).transpose()
}

fn live_session(conn: &Connection, token_hash: &str, now: i64) -> Result<Option<Session>, Error> {
    let rows = conn.execute(
        "SELECT id, customer_id, created_at, expires_at FROM identity_sessions \
         WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
        &[t(token_hash), i(now)],
    )?;
    rows.rows.first().map(decode_session).transpose()
}

fn live_session_account(
    conn: &Connection,
    token_hash: &str,
    now: i64,
) -> Result<Option<(Session, Account)>, Error> {
    let Some(session) = live_session(conn, token_hash, now)? else {
        return Ok(None);
    };
    Ok(account_by_id(conn, &session.customer_id)?.map(|a| (session, a)))
}

/// Revokes the customer's live sessions, all but `keep`.
fn revoke_sessions(
    conn: &Connection,
    customer_id: &str,
    keep: Option<&str>,
    now: i64,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE identity_sessions SET revoked_at = ? WHERE customer_id = ? \
         AND revoked_at IS NULL AND id IS NOT ?",
        &[i(now), t(customer_id), opt_t(keep)],
    )?;
    Ok(())
}

/// Deletes the customer's usable tokens of `kind`, with their messages.
fn drop_one_time(conn: &Connection, customer_id: &str, kind: OneTime) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM identity_mail WHERE customer_id = ? AND kind = ?",
        &[t(customer_id), t(kind.kind())],
    )?;
    conn.execute(
        "DELETE FROM identity_tokens WHERE customer_id = ? AND kind = ?",
        &[t(customer_id), t(kind.kind())],
    )?;
    Ok(())
}

/// Makes a one-time token of `kind` for the customer (earlier ones of the kind stop
/// working) and queues the message that carries it to `email`.
fn issue(
    conn: &Connection,
    kind: OneTime,
    customer_id: &str,
    email: &str,
    email_key: &str,
    clock: Clock,
) -> Result<(), Error> {
    drop_one_time(conn, customer_id, kind)?;
    let token = secret::new_token(kind.prefix());
    let hash = secret::token_hash(&token);
    let expires_at = clock.now + kind.ttl(clock);
    conn.execute(
        "INSERT INTO identity_tokens (token_hash, kind, customer_id, email_key, created_at, \
         expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        &[
            t(&hash),
            t(kind.kind()),
            t(customer_id),
            t(email_key),
            i(clock.now),
            i(expires_at),
        ],
    )?;
    conn.execute(
        "INSERT INTO identity_mail (id, kind, to_email, customer_id, token, token_hash, \
         expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            t(ids::new_id(MAIL)),
            t(kind.kind()),
            t(email),
            t(customer_id),
            t(&token),
            t(&hash),
            i(expires_at),
            i(clock.now),
        ],
    )?;
    Ok(())
}

/// Uses up a one-time token of `kind`: deletes it and its message, and answers its
/// account. `invalid-token` when it is unknown, of another kind, expired, or made for an
/// email the account no longer has.
fn use_one_time(
    conn: &Connection,
    token_hash: &str,
    kind: OneTime,
    now: i64,
) -> Result<Account, Error> {
    let used = conn.execute(
        "DELETE FROM identity_tokens WHERE token_hash = ? AND kind = ? AND expires_at > ? \
         RETURNING customer_id, email_key",
        &[t(token_hash), t(kind.kind()), i(now)],
    )?;
    let Some(row) = used.rows.first() else {
        return Err(Error::InvalidToken);
    };
    let (customer_id, email_key) = (text(row, 0)?, text(row, 1)?);
    conn.execute(
        "DELETE FROM identity_mail WHERE token_hash = ?",
        &[t(token_hash)],
    )?;
    let account = account_by_id(conn, &customer_id)?.ok_or(Error::InvalidToken)?;
    if crate::validate::email_key(&account.customer.email) != email_key {
        return Err(Error::InvalidToken);
    }
    Ok(account)
}

/// Deletes a bounded batch of expired one-time tokens and their messages.
fn purge_expired(conn: &Connection, now: i64) -> Result<(), Error> {
    let expired = conn.execute(
        "DELETE FROM identity_tokens WHERE token_hash IN (SELECT token_hash FROM \
         identity_tokens WHERE expires_at <= ? LIMIT ?) RETURNING token_hash",
        &[i(now), i(PURGE_BATCH)],
    )?;
    for row in &expired.rows {
        conn.execute(
            "DELETE FROM identity_mail WHERE token_hash = ?",
            &[t(text(row, 0)?)],
        )?;
    }
    Ok(())
}
