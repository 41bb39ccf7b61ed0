//! Typed host-side bindings of the payments component's world, for component unit tests,
//! and [`PaymentsApp`]: an app whose only component grants what the payments component
//! needs (the default SQLite database, its variables, and outbound HTTP to 127.0.0.1 for
//! the fake Stripe), with the payments component instantiated under those grants.

use commerce_host::App;
use sha2::{Digest, Sha256};

use crate::{build_library, manifest_path, options, wasm};

commerce_host::wasmtime::component::bindgen!({
    path: "../wit",
    world: "payments-component",
    exports: { default: async },
    additional_derives: [PartialEq, Eq],
    wasmtime_crate: commerce_host::wasmtime,
});
pub use commerce::types::types::{FieldError, Money, PageInfo, PageRequest};
pub use exports::commerce::payments::payments::{
    CaptureMode, CardSummary, Decline, DeclineCode, Error, NewPayment, NextAction, Payment,
    PaymentEvent, PaymentEventKind, PaymentMethod, PaymentStatus, Provider, Refund, RefundStatus,
    TestCard,
};
pub use exports::commerce::payments::payments_admin::{
    NewRefund, PaymentFilter, PaymentPage, RefundPage,
};

/// The id of the granting component in the test manifest.
pub const GRANTS: &str = "payments-grants";

/// The test provider's webhook secret the tests' apps run with.
pub const TEST_WEBHOOK_SECRET: &str = "whsec_test_provider_0f3c9a";
/// Stripe's webhook secret the tests' apps run with.
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_stripe_fake_7d21b4";
/// The Stripe secret key the fake Stripe expects.
pub const STRIPE_SECRET_KEY: &str = "sk_test_fake_51Hc0mm3rc3";

/// The component the composing HTTP component would be, as far as grants go: what
/// payments needs and nothing else.
const GRANTING_COMPONENT: &str = r#"
[component.payments-grants]
description = "Grants of the component that composes payments (tests only)."
source = "PAYMENTS_WASM"
allowed_outbound_hosts = ["http://127.0.0.1:*"]
sqlite_databases = ["default"]
variables = { stripe_secret_key = "{{ stripe_secret_key }}", stripe_api_base = "{{ stripe_api_base }}", stripe_webhook_secret = "{{ stripe_webhook_secret }}", payments_test_webhook_secret = "{{ payments_test_webhook_secret }}" }
"#;

/// An app with the application section and `[variables]` of `spin.toml` (so the variables
/// payments reads must be declared there) and one unrouted component granting what payments
/// needs, over fresh state.
pub struct PaymentsApp {
    pub app: App,
    pub state: tempfile::TempDir,
    _manifest_dir: tempfile::TempDir,
}

/// A payments app with the test webhook secrets set, Stripe's key set, and Stripe's API at
/// `stripe_base` (when given) or the default.
pub fn payments_app(stripe_base: Option<&str>) -> PaymentsApp {
    payments_app_with(&[
        ("payments_test_webhook_secret", TEST_WEBHOOK_SECRET),
        ("stripe_webhook_secret", STRIPE_WEBHOOK_SECRET),
        ("stripe_secret_key", STRIPE_SECRET_KEY),
        (
            "stripe_api_base",
            stripe_base.unwrap_or("http://127.0.0.1:9"),
        ),
    ])
}

/// A payments app with exactly these variables set (the others keep their defaults).
pub fn payments_app_with(variables: &[(&str, &str)]) -> PaymentsApp {
    build_library("payments");
    let text = std::fs::read_to_string(manifest_path()).unwrap();
    let head = text
        .split("[[trigger.")
        .next()
        .expect("spin.toml has a head");
    let wasm = wasm("payments");
    let manifest = format!(
        "{head}\n{}",
        GRANTING_COMPONENT.replace("PAYMENTS_WASM", &wasm.display().to_string())
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spin.toml");
    std::fs::write(&path, manifest).unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut options = options(&path, state.path());
    for (name, value) in variables {
        options
            .variables
            .insert((*name).to_owned(), (*value).to_owned());
    }
    let app = App::load(options).expect("the payments test app loads");
    PaymentsApp {
        app,
        state,
        _manifest_dir: dir,
    }
}

impl PaymentsApp {
    /// A fresh payments instance with the grants of [`GRANTS`], as each Spin request gets.
    pub async fn payments(&self) -> PaymentsHandle {
        let mut lib = self
            .app
            .instantiate_library(&wasm("payments"), GRANTS)
            .await
            .expect("the payments component instantiates");
        let bindings = PaymentsComponent::new(&mut lib.store, &lib.instance)
            .expect("the payments component exports its world");
        PaymentsHandle { lib, bindings }
    }
}

/// A live payments component instance, with a method per export that panics on a trap and
/// returns the component's answer.
pub struct PaymentsHandle {
    pub lib: commerce_host::LibraryInstance,
    pub bindings: PaymentsComponent,
}

type R<T> = Result<T, Error>;

impl PaymentsHandle {
    pub async fn create(&mut self, request: &NewPayment) -> R<Payment> {
        self.bindings
            .commerce_payments_payments()
            .call_create_payment(&mut self.lib.store, request)
            .await
            .expect("no trap")
    }

    pub async fn confirm(&mut self, id: &str) -> R<Payment> {
        self.bindings
            .commerce_payments_payments()
            .call_confirm_payment(&mut self.lib.store, &id.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn complete_action(&mut self, id: &str) -> R<Payment> {
        self.bindings
            .commerce_payments_payments()
            .call_complete_action(&mut self.lib.store, &id.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn get(&mut self, id: &str) -> R<Payment> {
        self.bindings
            .commerce_payments_payments()
            .call_get_payment(&mut self.lib.store, &id.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn webhook(
        &mut self,
        provider: Provider,
        body: &[u8],
        signature: &str,
    ) -> R<Vec<PaymentEvent>> {
        self.bindings
            .commerce_payments_payments()
            .call_handle_webhook(&mut self.lib.store, provider, body, signature)
            .await
            .expect("no trap")
    }

    pub async fn max_page_size(&mut self) -> u32 {
        self.bindings
            .commerce_payments_payments_admin()
            .call_max_page_size(&mut self.lib.store)
            .await
            .expect("no trap")
    }

    pub async fn capture(&mut self, id: &str, amount: Option<Money>) -> R<Payment> {
        self.bindings
            .commerce_payments_payments_admin()
            .call_capture(&mut self.lib.store, &id.to_owned(), amount.as_ref())
            .await
            .expect("no trap")
    }

    pub async fn cancel(&mut self, id: &str) -> R<Payment> {
        self.bindings
            .commerce_payments_payments_admin()
            .call_cancel(&mut self.lib.store, &id.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn refund(&mut self, request: &NewRefund) -> R<Refund> {
        self.bindings
            .commerce_payments_payments_admin()
            .call_create_refund(&mut self.lib.store, request)
            .await
            .expect("no trap")
    }

    pub async fn list_refunds(&mut self, id: &str, page: &PageRequest) -> R<RefundPage> {
        self.bindings
            .commerce_payments_payments_admin()
            .call_list_refunds(&mut self.lib.store, &id.to_owned(), page)
            .await
            .expect("no trap")
    }

    pub async fn list_payments(
        &mut self,
        filter: &PaymentFilter,
        page: &PageRequest,
    ) -> R<PaymentPage> {
        self.bindings
            .commerce_payments_payments_admin()
            .call_list_payments(&mut self.lib.store, filter, page)
            .await
            .expect("no trap")
    }
}

/// Money in EUR.
pub fn eur(amount: i64) -> Money {
    Money {
        amount,
        currency: "EUR".into(),
    }
}

/// A test card with `number`, expiring in 2040.
pub fn card(number: &str) -> PaymentMethod {
    PaymentMethod::TestCard(TestCard {
        number: number.into(),
        exp_month: 12,
        exp_year: 2040,
        cvc: "123".into(),
    })
}

/// A payment of `amount` EUR by `method` under `key`, automatic capture, with a return URL.
pub fn new_payment(key: &str, amount: i64, method: PaymentMethod) -> NewPayment {
    NewPayment {
        amount: eur(amount),
        idempotency_key: key.into(),
        method,
        capture_mode: CaptureMode::Automatic,
        order_id: Some("ord_TEST".into()),
        return_url: Some("https://shop.example/checkout/return".into()),
        statement_descriptor: None,
    }
}

/// HMAC-SHA256 (RFC 2104), written here so that the tests do not share the component's code.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// The `Stripe-Signature` header for `body` signed with `secret` at unix second `t`.
pub fn sign(secret: &str, body: &[u8], t: i64) -> String {
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    let mac = hmac_sha256(secret.as_bytes(), &message);
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// Now, in unix seconds.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A Stripe event (`payment_intent.*` or `refund.*`) carrying `object`.
pub fn event(id: &str, kind: &str, object: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "id": id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": now_secs(),
        "livemode": false,
        "pending_webhooks": 1,
        "type": kind,
        "data": { "object": object },
    }))
    .unwrap()
}

/// A PaymentIntent object as Stripe sends it, with `id`, `status` and the payment's id in
/// the metadata.
pub fn intent(id: &str, status: &str, amount: i64, payment_id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": if status == "succeeded" { amount } else { 0 },
        "currency": "eur",
        "status": status,
        "capture_method": "automatic",
        "client_secret": format!("{id}_secret_x"),
        "last_payment_error": null,
        "metadata": { "payment_id": payment_id },
        "next_action": null,
        "payment_method": "pm_card_visa",
    })
}
