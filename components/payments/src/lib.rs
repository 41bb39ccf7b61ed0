//! The payments capability component: the glue between the WIT exports
//! (`commerce:payments/payments`, `commerce:payments/payments-admin`) and the payment flows
//! ([`service`]), which use the rules ([`validate`]), the tables ([`store`], [`schema`]), the
//! providers ([`providers`]) and webhook verification ([`webhook`]).
//!
//! Every Spin request gets a fresh instance and the SQLite database is shared, so nothing
//! here keeps state between calls: correctness comes from transactions, conditional updates
//! and the providers' idempotency keys.

mod providers;
mod schema;
mod service;
mod store;
mod validate;
mod webhook;

/// The generated WIT bindings. Their ABI glue is `unsafe` by nature; nothing else is.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "payments-component",
        with: { "commerce:types/types@0.1.0": commerce_types::types },
    });

    use super::Component;
    export!(Component);
}

pub(crate) use bindings::exports;

use commerce_types::types::{FieldError, Money, PageRequest};
use exports::commerce::payments::payments::{
    Error, Guest as PaymentsGuest, NewPayment, Payment, PaymentEvent, Provider,
};
use exports::commerce::payments::payments_admin::{
    Guest as AdminGuest, NewRefund, PaymentFilter, PaymentPage, Refund, RefundPage,
};

struct Component;

impl From<spin_sdk::sqlite::Error> for Error {
    fn from(e: spin_sdk::sqlite::Error) -> Self {
        Error::Storage(format!("payments sqlite: {e}"))
    }
}

/// `invalid-input` with these (path, message) pairs.
pub(crate) fn invalid(errors: Vec<(String, String)>) -> Error {
    Error::InvalidInput(
        errors
            .into_iter()
            .map(|(path, message)| FieldError { path, message })
            .collect(),
    )
}

impl PaymentsGuest for Component {
    fn create_payment(request: NewPayment) -> Result<Payment, Error> {
        service::create_payment(request)
    }

    fn confirm_payment(payment_id: String) -> Result<Payment, Error> {
        service::confirm_payment(&payment_id)
    }

    fn complete_action(payment_id: String) -> Result<Payment, Error> {
        service::complete_action(&payment_id)
    }

    fn get_payment(payment_id: String) -> Result<Payment, Error> {
        service::get_payment(&payment_id)
    }

    fn handle_webhook(
        provider: Provider,
        body: Vec<u8>,
        signature: String,
    ) -> Result<Vec<PaymentEvent>, Error> {
        service::handle_webhook(provider, &body, &signature)
    }
}

impl AdminGuest for Component {
    fn max_page_size() -> u32 {
        validate::MAX_PAGE_SIZE
    }

    fn capture(payment_id: String, amount: Option<Money>) -> Result<Payment, Error> {
        service::capture(&payment_id, amount)
    }

    fn cancel(payment_id: String) -> Result<Payment, Error> {
        service::cancel(&payment_id)
    }

    fn create_refund(request: NewRefund) -> Result<Refund, Error> {
        service::create_refund(request)
    }

    fn list_refunds(payment_id: String, page: PageRequest) -> Result<RefundPage, Error> {
        service::list_refunds(&payment_id, &page)
    }

    fn list_payments(filter: PaymentFilter, page: PageRequest) -> Result<PaymentPage, Error> {
        service::list_payments(&filter, &page)
    }
}
