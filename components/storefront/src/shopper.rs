//! The shopper's own pages: `/cart`, `/checkout`, `/order` and the account pages
//! (`crate::account`). Each is the shared shell (head, header, footer) around a fixed
//! `<main>` from `pages/*.html`; the page's module (`cart.js`, `checkout.js`, `order.js`,
//! `account.js` under `static/assets/js/`) fills it from the JSON API with what the browser
//! keeps (the cart token; the session cookie, which only the browser sends). They are never
//! indexed, read no catalog data besides the header's categories, and are the same for
//! every shopper: a `?number=&token=` or `?token=` is read by the module, never by the
//! server.

use crate::config::Ctx;
use crate::html::{self, Page};
use crate::{Failure, Reply};

/// The modules the cart, checkout and order modules import besides `site.js` and `api.js`:
/// preloaded, so the browser fetches the whole graph at once.
const SHARED_MODULES: &[&str] = &["/assets/js/countries.js", "/assets/js/totals.js"];

/// One of the shopper's pages.
pub struct ShopperPage {
    /// The `<title>` before the shop's name.
    pub title: &'static str,
    pub description: &'static str,
    /// The page's module.
    pub script: &'static str,
    /// The modules it imports besides `site.js` and `api.js`, preloaded.
    pub preload: &'static [&'static str],
    pub main: &'static str,
}

const CART: ShopperPage = ShopperPage {
    title: "Your cart",
    description: "The products in your cart, with shipping and tax.",
    script: "/assets/js/cart.js",
    preload: SHARED_MODULES,
    main: include_str!("pages/cart.html"),
};

const CHECKOUT: ShopperPage = ShopperPage {
    title: "Checkout",
    description: "Check out: your address, shipping and payment.",
    script: "/assets/js/checkout.js",
    preload: SHARED_MODULES,
    main: include_str!("pages/checkout.html"),
};

const ORDER: ShopperPage = ShopperPage {
    title: "Order status",
    description: "The status of your order.",
    script: "/assets/js/order.js",
    preload: SHARED_MODULES,
    main: include_str!("pages/order.html"),
};

/// The page at `path`, if it is one of the shopper's pages. The old file names
/// (`/cart.html`, …) redirect to the page, so links to them keep working.
pub fn page(ctx: &Ctx, path: &str, query: &str) -> Option<Result<Reply, Failure>> {
    let (page, old_name) = match path {
        "/cart" => (&CART, false),
        "/checkout" => (&CHECKOUT, false),
        "/order" => (&ORDER, false),
        "/cart.html" => (&CART, true),
        "/checkout.html" => (&CHECKOUT, true),
        "/order.html" => (&ORDER, true),
        _ => (crate::account::page_at(path)?, false),
    };
    if old_name {
        let mut to = path.trim_end_matches(".html").to_owned();
        if !query.is_empty() {
            to.push('?');
            to.push_str(query);
        }
        return Some(Ok(Reply::redirect(301, to)));
    }
    let mut shell = Page::new(
        format!("{} | {}", page.title, ctx.store_name),
        page.description.to_owned(),
    );
    shell.robots = Some("noindex");
    shell.script = Some(page.script);
    shell.preload = page.preload;
    shell.main = page.main.to_owned();
    Some(Ok(Reply::page(html::render(ctx, &shell))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_has_its_root_element_and_no_inline_code() {
        for (page, root) in [
            (&CART, "data-cart-root"),
            (&CHECKOUT, "data-checkout-form"),
            (&ORDER, "data-order-root"),
        ] {
            assert!(page.main.contains(root), "{}", page.title);
            assert!(page.main.contains("<h1"), "{}", page.title);
            for inline in ["<script", "<style", " style=", " onclick=", " onsubmit="] {
                assert!(!page.main.contains(inline), "{}: {inline}", page.title);
            }
        }
    }
}
