//! What every `/admin/` HTTP component does the same way: authorise the request by its
//! bearer token before its body is read, and send answers no cache may keep.
//!
//! Two kinds of bearer token open the admin API:
//!
//! - the secret Spin variable `admin_token`, the shop's bootstrap owner credential: it
//!   grants every permission, and its actor is [`BOOTSTRAP_ACTOR`]. Its first use is to
//!   create the staff's own tokens (`POST /admin/api-tokens`); a shop may then keep it for
//!   emergencies only;
//! - an API token (`atk_…`) made by identity, whose role grants a fixed set of
//!   permissions ([`authorize_staff`] asks identity whether it grants the route's one); its
//!   actor is the token's name.

use crate::{Problem, ProblemType};
use commerce_bindings::identity::identity::{self, Permission, Role};
use spin_sdk::http::{IncomingRequest, OutgoingResponse, Response, ResponseOutparam};

/// The actor recorded for what is done with the `admin_token` variable.
pub const BOOTSTRAP_ACTOR: &str = "owner (admin_token)";

/// Who is calling an admin route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Recorded with what they do: an API token's name, or [`BOOTSTRAP_ACTOR`].
    pub name: String,
    pub role: Role,
    /// The API token's id (`key_…`); `None` for the `admin_token` variable.
    pub token_id: Option<String>,
}

/// The shortest admin token accepted as configured: a shorter one is a mistake in the
/// deployment, and the admin APIs refuse to run with it rather than be guessable.
pub const MIN_TOKEN_LEN: usize = 16;

/// Checks the request's `Authorization: Bearer` token against the `admin_token` variable
/// (401 without a bearer token, 403 with another one, compared in constant time; 503 when
/// the variable is missing or shorter than [`MIN_TOKEN_LEN`]). Reads only the headers.
pub fn authorize(req: &IncomingRequest) -> Result<(), Problem> {
    let expected = spin_sdk::variables::get("admin_token")
        .map_err(|e| Problem::unavailable(format!("the admin_token variable: {e}")))?;
    if expected.len() < MIN_TOKEN_LEN {
        return Err(Problem::unavailable(format!(
            "the admin_token variable is shorter than {MIN_TOKEN_LEN} bytes; the admin API refuses to use it"
        )));
    }
    let header = crate::incoming_header(req, "authorization");
    crate::check_bearer(header.as_deref(), &expected)
}

/// Checks the request's `Authorization: Bearer` token and that it grants `permission`:
/// the `admin_token` variable (compared in constant time) grants every permission; an API
/// token (`atk_…`), or a staff member's session token (`stk_…`), what identity says its
/// role grants. 401 without a bearer token or with an ended session, 403
/// with a token that is no admin credential or whose role lacks the permission, 503 when
/// the variable is missing or shorter than [`MIN_TOKEN_LEN`] or identity's storage fails.
/// Reads only the headers.
pub fn authorize_staff(req: &IncomingRequest, permission: Permission) -> Result<Actor, Problem> {
    let header = crate::incoming_header(req, "authorization");
    let Some(token) = header.as_deref().and_then(crate::auth::bearer_token) else {
        return Err(Problem::unauthorized(
            "This resource needs an `Authorization: Bearer <token>` header.",
        ));
    };
    // An API token, or the session of a staff member (an account the owner gave a role).
    let session = token.starts_with("stk_");
    if token.starts_with("atk_") || session {
        return match identity::authorize(token, permission) {
            Ok(principal) => Ok(Actor {
                name: principal.name,
                role: principal.role,
                token_id: Some(principal.token_id),
            }),
            Err(identity::Error::Forbidden) => Err(Problem::new(
                ProblemType::Forbidden,
                format!(
                    "The {} does not grant the permission this route needs ({}).",
                    if session {
                        "account has no staff role, or its role"
                    } else {
                        "token's role"
                    },
                    permission_name(permission)
                ),
            )),
            Err(identity::Error::InvalidToken) if session => Err(Problem::unauthorized(
                "The session is unknown, expired or ended: sign in again.",
            )),
            Err(identity::Error::InvalidToken) => Err(Problem::forbidden(
                "The API token is unknown, expired or revoked.",
            )),
            Err(identity::Error::Storage(m)) => {
                Err(Problem::unavailable(format!("identity storage: {m}")))
            }
            Err(other) => Err(Problem::internal(format!("identity authorize: {other:?}"))),
        };
    }
    authorize(req)?;
    Ok(Actor {
        name: BOOTSTRAP_ACTOR.to_owned(),
        role: Role::Owner,
        token_id: None,
    })
}

/// The problem of an identity failure that no route answers its own way: invalid input
/// (400, every field), a clash (409), not found (404), storage (503), the rest 500.
pub fn identity_problem(e: identity::Error) -> Problem {
    match e {
        identity::Error::InvalidInput(errors) => Problem::invalid_input(
            errors
                .into_iter()
                .map(|e| crate::FieldError::new(e.path, e.message))
                .collect(),
        ),
        identity::Error::Conflict(what) => Problem::conflict(&what),
        identity::Error::NotFound => Problem::not_found("There is no such resource."),
        identity::Error::Storage(m) => Problem::unavailable(format!("identity storage: {m}")),
        other => Problem::internal(format!("identity: {other:?}")),
    }
}

/// The name of a permission, as `identity.wit` spells it.
pub fn permission_name(permission: Permission) -> &'static str {
    match permission {
        Permission::CatalogRead => "catalog-read",
        Permission::CatalogWrite => "catalog-write",
        Permission::InventoryRead => "inventory-read",
        Permission::InventoryWrite => "inventory-write",
        Permission::PricingRead => "pricing-read",
        Permission::PricingWrite => "pricing-write",
        Permission::OrdersRead => "orders-read",
        Permission::OrdersWrite => "orders-write",
        Permission::PaymentsWrite => "payments-write",
        Permission::CustomersRead => "customers-read",
        Permission::CustomersWrite => "customers-write",
        Permission::StaffManage => "staff-manage",
    }
}

/// Sends a whole response with `Cache-Control: no-store`: admin answers are private and
/// change with every write, so no cache (a browser's or a proxy's) may keep them.
pub async fn send(out: ResponseOutparam, mut response: Response) {
    response.set_header("cache-control", "no-store");
    let body = std::mem::take(response.body_mut());
    match OutgoingResponse::try_from(response) {
        Ok(outgoing) => {
            if let Err(e) = out.set_with_body(outgoing, body).await {
                eprintln!("sending the response: {e}");
            }
        }
        Err(e) => eprintln!("building the response: {e}"),
    }
}
