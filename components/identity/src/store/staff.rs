//! Staff members: customer accounts the owner gave a role (`identity_staff`, one row per
//! member). A child of [`super`], so that it shares the account decoding and the paging.
//!
//! Invariants: a role is given only to an account whose email is confirmed, and a staff
//! session opens admin routes only while it still is (a member who changes their email to an
//! unconfirmed one loses their admin powers until they confirm it); deleting the account
//! deletes its row.

use super::{
    CUSTOMER_COLUMNS, Page, Store, decode_account, into_page, live_session_account, role_name,
    role_of,
};
use crate::exports::commerce::identity::identity::{Error, Role};
use crate::exports::commerce::identity::identity_admin::StaffMember;
use capability_kit::db::{self, i, int, t, text};
use spin_sdk::sqlite::{RowResult, Value};

/// A staff row joined with its account: the customer columns, then `granted_at`, `role`,
/// `granted_by`.
const STAFF_COLUMNS: &str = "c.id, c.email, c.name, c.marketing_consent, c.verified_at, \
     c.created_at, c.updated_at, c.password_hash, s.granted_at, s.role, s.granted_by";

fn decode_staff(row: &RowResult) -> Result<StaffMember, Error> {
    Ok(StaffMember {
        customer: decode_account(row)?.customer,
        granted_at: int(row, 8)?,
        role: role_of(&text(row, 9)?)?,
        granted_by: text(row, 10)?,
    })
}

impl Store {
    /// Gives `role` to the account of `email_key` if its email is confirmed, or changes its
    /// role; `None` when there is no such account.
    pub fn grant_staff_role(
        &self,
        email_key: &str,
        role: Role,
        actor: &str,
        now: i64,
    ) -> Result<Option<StaffMember>, Error> {
        db::transaction(&self.conn, |conn| {
            let found = conn.execute(
                &format!(
                    "SELECT {CUSTOMER_COLUMNS} FROM identity_customers \
                     WHERE email_key = ? AND verified_at IS NOT NULL"
                ),
                &[t(email_key)],
            )?;
            let Some(account) = found.rows.first().map(decode_account).transpose()? else {
                return Ok(None);
            };
            conn.execute(
                "INSERT INTO identity_staff (customer_id, role, granted_at, granted_by) \
                 VALUES (?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET \
                 role = excluded.role, granted_at = excluded.granted_at, \
                 granted_by = excluded.granted_by",
                &[
                    t(&account.customer.id),
                    t(role_name(role)),
                    i(now),
                    t(actor),
                ],
            )?;
            Ok(Some(StaffMember {
                customer: account.customer,
                role,
                granted_at: now,
                granted_by: actor.to_owned(),
            }))
        })
    }

    /// Takes the role of customer `id` away; nothing when it has none.
    pub fn revoke_staff_role(&self, customer_id: &str) -> Result<(), Error> {
        self.conn.execute(
            "DELETE FROM identity_staff WHERE customer_id = ?",
            &[t(customer_id)],
        )?;
        Ok(())
    }

    /// Staff members, newest grant first, after `after` (granted at, customer id).
    pub fn staff(
        &self,
        after: Option<&(i64, String)>,
        limit: u32,
        tag: &str,
    ) -> Result<Page<StaffMember>, Error> {
        let mut params: Vec<Value> = Vec::new();
        let condition = match after {
            None => "1",
            Some((at, id)) => {
                params.extend([i(*at), i(*at), t(id)]);
                "(s.granted_at < ? OR (s.granted_at = ? AND s.customer_id < ?))"
            }
        };
        params.push(i(i64::from(limit) + 1));
        let rows = self.conn.execute(
            &format!(
                "SELECT {STAFF_COLUMNS} FROM identity_staff s \
                 JOIN identity_customers c ON c.id = s.customer_id WHERE {condition} \
                 ORDER BY s.granted_at DESC, s.customer_id DESC LIMIT ?"
            ),
            &params,
        )?;
        let items = rows
            .rows
            .iter()
            .map(decode_staff)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(into_page(items, limit, tag, |m| {
            (m.granted_at, m.customer.id.clone())
        }))
    }

    /// The staff member of a live session, if its account has a role and a confirmed email.
    pub fn staff_session(&self, token_hash: &str, now: i64) -> Result<Option<StaffMember>, Error> {
        let Some((_, account)) = live_session_account(&self.conn, token_hash, now)? else {
            return Ok(None);
        };
        if !account.customer.verified {
            return Ok(None);
        }
        let rows = self.conn.execute(
            "SELECT role, granted_at, granted_by FROM identity_staff WHERE customer_id = ?",
            &[t(&account.customer.id)],
        )?;
        let Some(row) = rows.rows.first() else {
            return Ok(None);
        };
        Ok(Some(StaffMember {
            role: role_of(&text(row, 0)?)?,
            granted_at: int(row, 1)?,
            granted_by: text(row, 2)?,
            customer: account.customer,
        }))
    }
}
