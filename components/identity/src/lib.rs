//! The identity capability component: the glue between the WIT exports
//! `commerce:identity/identity` and `identity-admin` and identity's rules ([`validate`],
//! [`password`], [`roles`]) and tables ([`store`], [`schema`]).
//!
//! Identity imports nothing but Spin and WASI. Every Spin request gets a fresh instance and
//! the SQLite database is shared, so nothing here keeps state between calls.

mod password;
mod roles;
mod schema;
mod store;
mod validate;

/// The generated WIT bindings. Their ABI glue is `unsafe` by nature; nothing else is.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "identity-component",
        with: { "commerce:types/types@0.1.0": commerce_types::types },
    });

    use super::Component;
    export!(Component);
}

pub(crate) use bindings::exports;

use capability_kit::validate::FieldErrors;
use capability_kit::{clock, config, cursor, ids, secret};
use commerce_types::types::{FieldError, PageInfo, PageRequest};
use exports::commerce::identity::identity::{
    Customer, Error, Guest, NewCustomer, Permission, Principal, ProfileChange, Role, Session,
    SignedIn,
};
use exports::commerce::identity::identity_admin::{
    ApiToken, ApiTokenPage, CustomerFilter, CustomerPage, Guest as AdminGuest, IssuedApiToken,
    MailPage, NewApiToken, SessionPage, StaffMember, StaffPage,
};
use password::{Check, Cost};
use store::{Clock, Store};

struct Component;

impl From<spin_sdk::sqlite::Error> for Error {
    fn from(e: spin_sdk::sqlite::Error) -> Self {
        Error::Storage(format!("identity sqlite: {e}"))
    }
}

fn check(errors: Vec<(String, String)>) -> Result<(), Error> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(Error::InvalidInput(
        errors
            .into_iter()
            .map(|(path, message)| FieldError { path, message })
            .collect(),
    ))
}

/// A whole-number Spin variable of identity's.
fn number(name: &str, default: u32, min: u32, max: u32) -> Result<u32, Error> {
    let value = config::variable(name).map_err(Error::Other)?;
    validate::number_variable(name, value.as_deref(), default, min, max).map_err(Error::Other)
}

/// The Argon2id parameters of new hashes, from the Spin variables.
fn cost() -> Result<Cost, Error> {
    let d = Cost::DEFAULT;
    Ok(Cost {
        // Argon2 needs at least 8 KiB per lane; 4 GiB is Argon2's own ceiling for wasm32.
        memory_kib: number(
            "identity_argon2_memory_kib",
            d.memory_kib,
            8,
            4 * 1024 * 1024,
        )?,
        iterations: number("identity_argon2_iterations", d.iterations, 1, 100)?,
        lanes: number("identity_argon2_lanes", d.lanes, 1, 16)?,
    })
}

/// Now and the lifetimes, from the Spin variables.
fn clock() -> Result<Clock, Error> {
    const DAY: u32 = 24 * 60 * 60;
    let ms = |s: u32| i64::from(s) * 1000;
    Ok(Clock {
        now: clock::now_ms(),
        session_ttl_ms: ms(number(
            "identity_session_ttl_seconds",
            30 * DAY,
            1,
            365 * DAY,
        )?),
        reset_ttl_ms: ms(number("identity_reset_ttl_seconds", 60 * 60, 1, DAY)?),
        verify_ttl_ms: ms(number(
            "identity_verification_ttl_seconds",
            DAY,
            1,
            30 * DAY,
        )?),
    })
}

/// The hash of a token of the kind `prefix`, or `invalid-token` without a lookup when it
/// is not shaped like one.
fn token_hash(token: &str, prefix: &str) -> Result<String, Error> {
    if secret::is_token(token, prefix) {
        Ok(secret::token_hash(token))
    } else {
        Err(Error::InvalidToken)
    }
}

fn hash(password: &str, cost: Cost) -> Result<String, Error> {
    password::hash(password, cost).map_err(Error::Other)
}

/// The store, the session token's hash and the account of a live session whose password
/// is `password`: `invalid-token` for a dead session, `invalid-credentials` for a wrong
/// password.
fn signed_in_with_password(
    session_token: &str,
    password: &str,
) -> Result<(Store, String, store::Account), Error> {
    let hash = token_hash(session_token, store::SESSION_TOKEN)?;
    let store = Store::open()?;
    let (_, account) = store
        .account_by_session(&hash, clock::now_ms())?
        .ok_or(Error::InvalidToken)?;
    if password::check(password, &account.password_hash, cost()?) == Check::Wrong {
        return Err(Error::InvalidCredentials);
    }
    Ok((store, hash, account))
}

/// Every field error of a new password, as `invalid-input`.
fn check_new_password(path: &str, password: &str, email: Option<&str>) -> Result<(), Error> {
    let mut e = FieldErrors::new();
    validate::new_password(&mut e, path, password, email);
    check(e.into_vec())
}

/// The page request of a listing whose cursors carry `tag`.
fn page(request: &PageRequest, tag: &str) -> Result<cursor::Page, Error> {
    cursor::check_page(
        request.limit,
        request.after.as_deref(),
        tag,
        validate::MAX_PAGE_SIZE,
        validate::DEFAULT_PAGE_SIZE,
    )
    .or_else(|e| check(e).map(|()| unreachable!("check_page failed without errors")))
}

fn page_info(next: Option<String>) -> PageInfo {
    PageInfo { next }
}

impl Guest for Component {
    fn role_grants(role: Role, permission: Permission) -> bool {
        roles::grants(role, permission)
    }

    fn register(customer: NewCustomer) -> Result<(), Error> {
        let mut e = FieldErrors::new();
        validate::email(&mut e, "/email", &customer.email);
        validate::new_password(
            &mut e,
            "/password",
            &customer.password,
            Some(&customer.email),
        );
        if let Some(name) = &customer.name {
            validate::name(&mut e, "/name", name);
        }
        check(e.into_vec())?;
        let clock = clock()?;
        // Hashed whether or not the email is taken: the same work either way.
        let password_hash = hash(&customer.password, cost()?)?;
        let email = customer.email.trim();
        let email_key = validate::email_key(email);
        Store::open()?.register(
            &store::NewAccount {
                email,
                email_key: &email_key,
                name: customer.name.as_deref().map(str::trim),
                marketing_consent: customer.marketing_consent,
                password_hash: &password_hash,
            },
            clock,
        )
    }

    fn sign_in(email: String, password: String) -> Result<SignedIn, Error> {
        check(validate::sign_in(&email, &password))?;
        let clock = clock()?;
        let cost = cost()?;
        let store = Store::open()?;
        let Some(account) = store.account_by_email(&validate::email_key(&email))? else {
            password::waste(&password, cost);
            return Err(Error::InvalidCredentials);
        };
        let rehash = match password::check(&password, &account.password_hash, cost) {
            Check::Wrong => return Err(Error::InvalidCredentials),
            Check::Right => None,
            Check::RightButStale => Some(hash(&password, cost)?),
        };
        let (session, token) = store.start_session(
            &account.customer.id,
            &account.password_hash,
            rehash.as_deref(),
            clock,
        )?;
        Ok(SignedIn {
            customer: account.customer,
            session,
            token,
        })
    }

    fn authenticate(session_token: String) -> Result<Session, Error> {
        let hash = token_hash(&session_token, store::SESSION_TOKEN)?;
        Store::open()?
            .session(&hash, clock::now_ms())?
            .ok_or(Error::InvalidToken)
    }

    fn sign_out(session_token: String) -> Result<(), Error> {
        let Ok(hash) = token_hash(&session_token, store::SESSION_TOKEN) else {
            return Ok(());
        };
        Store::open()?.sign_out(&hash, clock::now_ms())
    }

    fn sign_out_everywhere(session_token: String) -> Result<(), Error> {
        let hash = token_hash(&session_token, store::SESSION_TOKEN)?;
        Store::open()?.sign_out_everywhere(&hash, clock::now_ms())
    }

    fn get_profile(session_token: String) -> Result<Customer, Error> {
        let hash = token_hash(&session_token, store::SESSION_TOKEN)?;
        Store::open()?
            .account_by_session(&hash, clock::now_ms())?
            .map(|(_, a)| a.customer)
            .ok_or(Error::InvalidToken)
    }

    fn update_profile(session_token: String, change: ProfileChange) -> Result<Customer, Error> {
        let hash = token_hash(&session_token, store::SESSION_TOKEN)?;
        let mut e = FieldErrors::new();
        if let Some(email) = &change.email {
            validate::email(&mut e, "/email", email);
        }
        if let Some(name) = change.name.as_deref().filter(|n| !n.is_empty()) {
            validate::name(&mut e, "/name", name);
        }
        check(e.into_vec())?;
        let clock = clock()?;
        let email = change
            .email
            .as_deref()
            .map(|e| (e.trim(), validate::email_key(e)));
        let name = change
            .name
            .as_deref()
            .map(|n| Some(n.trim()).filter(|n| !n.is_empty()));
        Store::open()?.update_profile(
            &hash,
            &store::ProfileChange {
                email,
                name,
                marketing_consent: change.marketing_consent,
            },
            clock,
        )
    }

    fn change_password(
        session_token: String,
        current_password: String,
        new_password: String,
    ) -> Result<(), Error> {
        let hash_of_token = token_hash(&session_token, store::SESSION_TOKEN)?;
        let store = Store::open()?;
        let now = clock::now_ms();
        let (_, account) = store
            .account_by_session(&hash_of_token, now)?
            .ok_or(Error::InvalidToken)?;
        check_new_password(
            "/new_password",
            &new_password,
            Some(&account.customer.email),
        )?;
        let cost = cost()?;
        if password::check(&current_password, &account.password_hash, cost) == Check::Wrong {
            return Err(Error::InvalidCredentials);
        }
        let new_hash = hash(&new_password, cost)?;
        store.change_password(&hash_of_token, &account.password_hash, &new_hash, now)
    }

    fn request_password_reset(email: String) -> Result<(), Error> {
        let mut e = FieldErrors::new();
        validate::email(&mut e, "/email", &email);
        check(e.into_vec())?;
        let clock = clock()?;
        Store::open()?.request_reset(&validate::email_key(&email), clock)
    }

    fn reset_password(reset_token: String, new_password: String) -> Result<Customer, Error> {
        let hash_of_token = token_hash(&reset_token, store::RESET_TOKEN)?;
        // The email is not known before the token is used: the rule against a password
        // equal to the email is left out here.
        check_new_password("/new_password", &new_password, None)?;
        let store = Store::open()?;
        if !store.reset_usable(&hash_of_token, clock::now_ms())? {
            return Err(Error::InvalidToken);
        }
        let new_hash = hash(&new_password, cost()?)?;
        // Used inside the transaction that sets the password, whatever happened meanwhile.
        store.reset_password(&hash_of_token, &new_hash, clock::now_ms())
    }

    fn request_email_verification(session_token: String) -> Result<(), Error> {
        let hash = token_hash(&session_token, store::SESSION_TOKEN)?;
        let clock = clock()?;
        Store::open()?.request_verification(&hash, clock)
    }

    fn verify_email(verification_token: String) -> Result<Customer, Error> {
        let hash = token_hash(&verification_token, store::VERIFY_TOKEN)?;
        Store::open()?.verify_email(&hash, clock::now_ms())
    }

    fn confirm_password(session_token: String, password: String) -> Result<String, Error> {
        let (_, _, account) = signed_in_with_password(&session_token, &password)?;
        Ok(account.customer.id)
    }

    fn delete_account(session_token: String, password: String) -> Result<(), Error> {
        let (store, hash, account) = signed_in_with_password(&session_token, &password)?;
        store.delete_account(&hash, &account.password_hash, clock::now_ms())
    }

    fn authorize(api_token: String, permission: Permission) -> Result<Principal, Error> {
        let principal = if api_token.starts_with(store::SESSION_TOKEN) {
            // A staff member signed in with their account.
            let hash = token_hash(&api_token, store::SESSION_TOKEN)?;
            let store = Store::open()?;
            let now = clock::now_ms();
            match store.staff_session(&hash, now)? {
                Some(member) => Principal {
                    name: staff_actor(&member),
                    token_id: member.customer.id,
                    role: member.role,
                },
                // A live session of an account without a (usable) role: no admin powers.
                None if store.session(&hash, now)?.is_some() => return Err(Error::Forbidden),
                None => return Err(Error::InvalidToken),
            }
        } else {
            let hash = token_hash(&api_token, store::API_TOKEN_SECRET)?;
            let token = Store::open()?
                .api_token_in_use(&hash, clock::now_ms())?
                .ok_or(Error::InvalidToken)?;
            Principal {
                token_id: token.id,
                name: token.name,
                role: token.role,
            }
        };
        if !roles::grants(principal.role, permission) {
            return Err(Error::Forbidden);
        }
        Ok(principal)
    }
}

/// How a staff member is named as the actor of their writes: "Name <email>", or the email.
fn staff_actor(member: &StaffMember) -> String {
    match &member.customer.name {
        Some(name) => format!("{name} <{}>", member.customer.email),
        None => member.customer.email.clone(),
    }
}

/// The tags of the admin listings' cursors.
const TOKENS_TAG: &str = "identity-tokens-v1";
const STAFF_TAG: &str = "identity-staff-v1";
const CUSTOMERS_TAG: &str = "identity-customers-v1";
const SESSIONS_TAG: &str = "identity-sessions-v1";
const MAIL_TAG: &str = "identity-mail-v1";

fn require_customer(store: &Store, id: &str) -> Result<Customer, Error> {
    if !ids::is_id_of(id, store::CUSTOMER) {
        return Err(Error::NotFound);
    }
    store.customer(id)?.ok_or(Error::NotFound)
}

impl AdminGuest for Component {
    fn max_page_size() -> u32 {
        validate::MAX_PAGE_SIZE
    }

    fn create_api_token(request: NewApiToken, actor: String) -> Result<IssuedApiToken, Error> {
        let now = clock::now_ms();
        let mut errors = validate::new_api_token(&request.name, request.expires_at, now);
        errors.extend(validate::actor(&actor));
        check(errors)?;
        let (api_token, token) = Store::open()?.create_api_token(
            request.name.trim(),
            request.role,
            request.expires_at,
            actor.trim(),
            now,
        )?;
        Ok(IssuedApiToken { api_token, token })
    }

    fn get_api_token(token_id: String) -> Result<ApiToken, Error> {
        if !ids::is_id_of(&token_id, store::API_TOKEN) {
            return Err(Error::NotFound);
        }
        Store::open()?.api_token(&token_id)?.ok_or(Error::NotFound)
    }

    fn revoke_api_token(token_id: String) -> Result<ApiToken, Error> {
        if !ids::is_id_of(&token_id, store::API_TOKEN) {
            return Err(Error::NotFound);
        }
        Store::open()?
            .revoke_api_token(&token_id, clock::now_ms())?
            .ok_or(Error::NotFound)
    }

    fn list_api_tokens(request: PageRequest) -> Result<ApiTokenPage, Error> {
        let p = page(&request, TOKENS_TAG)?;
        let found = Store::open()?.api_tokens(p.after.as_ref(), p.limit, TOKENS_TAG)?;
        Ok(ApiTokenPage {
            items: found.items,
            page: page_info(found.next),
        })
    }

    fn get_customer(customer_id: String) -> Result<Customer, Error> {
        require_customer(&Store::open()?, &customer_id)
    }

    fn list_customers(filter: CustomerFilter, request: PageRequest) -> Result<CustomerPage, Error> {
        let mut e = FieldErrors::new();
        if let Some(prefix) = &filter.email_prefix {
            let n = prefix.trim().chars().count();
            if n == 0 || n > capability_kit::validate::MAX_EMAIL {
                e.push(
                    "/email_prefix",
                    format!(
                        "must be 1 to {} characters",
                        capability_kit::validate::MAX_EMAIL
                    ),
                );
            }
        }
        check(e.into_vec())?;
        let p = page(&request, CUSTOMERS_TAG)?;
        let found = Store::open()?.customers(
            filter.email_prefix.as_deref(),
            filter.verified,
            p.after.as_ref(),
            p.limit,
            CUSTOMERS_TAG,
        )?;
        Ok(CustomerPage {
            items: found.items,
            page: page_info(found.next),
        })
    }

    fn list_sessions(customer_id: String, request: PageRequest) -> Result<SessionPage, Error> {
        let store = Store::open()?;
        require_customer(&store, &customer_id)?;
        let p = page(&request, SESSIONS_TAG)?;
        let found = store.sessions(
            &customer_id,
            clock::now_ms(),
            p.after.as_ref(),
            p.limit,
            SESSIONS_TAG,
        )?;
        Ok(SessionPage {
            items: found.items,
            page: page_info(found.next),
        })
    }

    fn revoke_customer_sessions(customer_id: String) -> Result<(), Error> {
        let store = Store::open()?;
        require_customer(&store, &customer_id)?;
        store.revoke_customer_sessions(&customer_id, clock::now_ms())
    }

    fn list_mail(request: PageRequest) -> Result<MailPage, Error> {
        let p = page(&request, MAIL_TAG)?;
        let found = Store::open()?.mail(clock::now_ms(), p.after.as_ref(), p.limit, MAIL_TAG)?;
        Ok(MailPage {
            items: found.items,
            page: page_info(found.next),
        })
    }

    fn grant_staff_role(email: String, role: Role, actor: String) -> Result<StaffMember, Error> {
        let no_account = || {
            Error::InvalidInput(vec![FieldError {
                path: "/email".into(),
                message: "has no account whose email is confirmed: the person registers and \
                          confirms their email first"
                    .into(),
            }])
        };
        if !capability_kit::validate::is_email(email.trim()) {
            return Err(no_account());
        }
        Store::open()?
            .grant_staff_role(&validate::email_key(&email), role, &actor, clock::now_ms())?
            .ok_or_else(no_account)
    }

    fn revoke_staff_role(customer_id: String) -> Result<(), Error> {
        let store = Store::open()?;
        require_customer(&store, &customer_id)?;
        store.revoke_staff_role(&customer_id)
    }

    fn list_staff(request: PageRequest) -> Result<StaffPage, Error> {
        let p = page(&request, STAFF_TAG)?;
        let found = Store::open()?.staff(p.after.as_ref(), p.limit, STAFF_TAG)?;
        Ok(StaffPage {
            items: found.items,
            page: page_info(found.next),
        })
    }
}
