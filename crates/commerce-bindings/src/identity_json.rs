//! The JSON form of identity's records (snake_case), in one place for every HTTP component
//! that answers them (`accounts-api`, `identity-admin-api`). Tokens appear only where a
//! record carries one on purpose (`SignedIn`, `IssuedApiToken`, `Mail`).

use serde::Serialize;

use crate::identity::identity::{Customer, Role, Session};
use crate::identity::identity_admin::{ApiToken, Mail, MailKind, StaffMember};

/// The name of a role in the API, as in the WIT (`catalog-manager`).
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::CatalogManager => "catalog-manager",
        Role::Fulfilment => "fulfilment",
        Role::Support => "support",
        Role::ReadOnly => "read-only",
    }
}

/// The role of an API name; `None` for another.
pub fn role_of(name: &str) -> Option<Role> {
    ROLES.iter().copied().find(|role| role_name(*role) == name)
}

/// Every role, in the WIT's order.
pub const ROLES: [Role; 5] = [
    Role::Owner,
    Role::CatalogManager,
    Role::Fulfilment,
    Role::Support,
    Role::ReadOnly,
];

/// The names of the roles, for error messages and schemas.
pub const ROLE_NAMES: [&str; 5] = [
    "owner",
    "catalog-manager",
    "fulfilment",
    "support",
    "read-only",
];

#[derive(Serialize)]
pub struct CustomerJson<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub marketing_consent: bool,
    pub verified: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl<'a> From<&'a Customer> for CustomerJson<'a> {
    fn from(c: &'a Customer) -> Self {
        Self {
            id: &c.id,
            email: &c.email,
            name: c.name.as_deref(),
            marketing_consent: c.marketing_consent,
            verified: c.verified,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize)]
pub struct SessionJson<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

impl<'a> From<&'a Session> for SessionJson<'a> {
    fn from(s: &'a Session) -> Self {
        Self {
            id: &s.id,
            customer_id: &s.customer_id,
            created_at: s.created_at,
            expires_at: s.expires_at,
        }
    }
}

#[derive(Serialize)]
pub struct ApiTokenJson<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub role: &'static str,
    pub hint: &'a str,
    pub created_at: i64,
    pub created_by: &'a str,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl<'a> From<&'a ApiToken> for ApiTokenJson<'a> {
    fn from(t: &'a ApiToken) -> Self {
        Self {
            id: &t.id,
            name: &t.name,
            role: role_name(t.role),
            hint: &t.hint,
            created_at: t.created_at,
            created_by: &t.created_by,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A staff member: their account and role.
#[derive(Serialize)]
pub struct StaffMemberJson<'a> {
    pub customer: CustomerJson<'a>,
    pub role: &'static str,
    pub granted_at: i64,
    pub granted_by: &'a str,
}

impl<'a> From<&'a StaffMember> for StaffMemberJson<'a> {
    fn from(m: &'a StaffMember) -> Self {
        Self {
            customer: CustomerJson::from(&m.customer),
            role: role_name(m.role),
            granted_at: m.granted_at,
            granted_by: &m.granted_by,
        }
    }
}

#[derive(Serialize)]
pub struct MailJson<'a> {
    pub id: &'a str,
    pub kind: &'static str,
    pub to: &'a str,
    pub customer_id: &'a str,
    pub token: Option<&'a str>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

impl<'a> From<&'a Mail> for MailJson<'a> {
    fn from(m: &'a Mail) -> Self {
        Self {
            id: &m.id,
            kind: match m.kind {
                MailKind::VerifyEmail => "verify-email",
                MailKind::PasswordReset => "password-reset",
                MailKind::AccountExists => "account-exists",
            },
            to: &m.to,
            customer_id: &m.customer_id,
            token: m.token.as_deref(),
            expires_at: m.expires_at,
            created_at: m.created_at,
        }
    }
}
