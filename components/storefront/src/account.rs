//! The shopper's account pages, served like the cart (see `shopper.rs`): the shell around a
//! fixed `<main>` from `pages/account-*.html`, driven by `account.js`, which talks to
//! `/api/account/...` from the browser.
//!
//! | Route                                        | Page                                             |
//! |----------------------------------------------|--------------------------------------------------|
//! | `GET /account/sign-in`                       | sign in (`?next=` a path of this site)           |
//! | `GET /account/register`                      | create an account                                |
//! | `GET /account`                               | profile, password, sign out (everywhere)         |
//! | `GET /account/password-reset`                | ask for a reset link                             |
//! | `GET /account/password-reset/confirm?token=` | set a new password (the reset mail's link)       |
//! | `GET /account/verify?token=`                 | confirm the email (the verification mail's link) |
//!
//! Every page is the same document for everyone, signed in or not: the server never reads
//! the session cookie or a token, so the pages keep the shell's `no-cache` + `ETag` and
//! hold no customer data. The module asks `GET /api/account` (`no-store`) for the
//! customer, signs in with `"session": "cookie"`, so the session lives only in the
//! `HttpOnly` cookie, and reads a link's `?token=` itself. The forms' submit buttons are
//! disabled until the module runs (the API takes JSON only, which no HTML form sends), so
//! without JavaScript no password can go anywhere, least of all into a URL.

use crate::shopper::ShopperPage;

/// An account page: `account.js` drives every one (it imports only `site.js` and `api.js`).
const fn page(title: &'static str, description: &'static str, main: &'static str) -> ShopperPage {
    ShopperPage {
        title,
        description,
        script: "/assets/js/account.js",
        preload: &[],
        main,
    }
}

/// Every account page by its path.
const PAGES: &[(&str, ShopperPage)] = &[
    (
        "/account",
        page(
            "Your account",
            "Your profile, your password and where you are signed in.",
            include_str!("pages/account.html"),
        ),
    ),
    (
        "/account/sign-in",
        page(
            "Sign in",
            "Sign in to your account.",
            include_str!("pages/account-sign-in.html"),
        ),
    ),
    (
        "/account/register",
        page(
            "Create an account",
            "Create an account with your email and a password.",
            include_str!("pages/account-register.html"),
        ),
    ),
    (
        "/account/password-reset",
        page(
            "Reset your password",
            "Get a link to set a new password.",
            include_str!("pages/account-password-reset.html"),
        ),
    ),
    (
        "/account/password-reset/confirm",
        page(
            "Set a new password",
            "Set a new password with the link from your mail.",
            include_str!("pages/account-password-reset-confirm.html"),
        ),
    ),
    (
        "/account/verify",
        page(
            "Confirm your email",
            "Confirm your email with the link from your mail.",
            include_str!("pages/account-verify.html"),
        ),
    ),
];

/// The account page at `path`, if there is one.
pub fn page_at(path: &str) -> Option<&'static ShopperPage> {
    PAGES.iter().find(|(p, _)| *p == path).map(|(_, page)| page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_names_its_part_of_the_module_and_has_no_inline_code() {
        for (path, page) in PAGES {
            assert_eq!(page_at(path).map(|p| p.title), Some(page.title));
            assert!(page.main.contains("data-account=\""), "{path}");
            assert!(page.main.contains("<h1"), "{path}");
            assert!(page.main.contains("aria-live=\"polite\""), "{path}");
            for inline in ["<script", "<style", " style=", " onclick=", " onsubmit="] {
                assert!(!page.main.contains(inline), "{path}: {inline}");
            }
            // No form can send a password before the module runs, nor by GET.
            for (at, _) in page.main.match_indices("<form") {
                let tag = &page.main[at..at + page.main[at..].find('>').unwrap()];
                assert!(tag.contains("method=\"post\""), "{path}: {tag}");
            }
            for (at, _) in page.main.match_indices("type=\"submit\"") {
                let end = at + page.main[at..].find('>').unwrap();
                assert!(page.main[at..end].contains("disabled"), "{path}");
            }
            for (at, _) in page.main.match_indices("type=\"password\"") {
                let end = at + page.main[at..].find('>').unwrap();
                let tag = &page.main[at..end];
                assert!(
                    tag.contains("autocomplete=\"current-password\"")
                        || tag.contains("autocomplete=\"new-password\""),
                    "{path}: {tag}"
                );
            }
        }
        assert!(page_at("/account/nope").is_none());
    }
}
