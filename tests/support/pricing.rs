//! Typed host-side bindings of the pricing component's world, and `TestApp::pricing()`, for
//! component unit tests (`tests/pricing_component.rs`).

use crate::{TestApp, build_library, wasm};

commerce_host::wasmtime::component::bindgen!({
    path: "../wit",
    world: "pricing-component",
    exports: { default: async },
    additional_derives: [PartialEq, Eq],
    wasmtime_crate: commerce_host::wasmtime,
});
pub use commerce::types::types::{
    DiscountLine, FieldError, Money, PageInfo, PageRequest, TaxLine, TaxMode,
};
pub use exports::commerce::pricing::pricing::{
    Error, Quote, QuoteLine, QuoteRequest, QuotedLine, ShippingCharge, ShippingMethod,
    ShippingMethodPage,
};
pub use exports::commerce::pricing::pricing_admin::{ShippingMethodInput, TaxRate, TaxRatePage};

impl TestApp {
    /// The pricing component on its own, over this app's state. No HTTP component composes
    /// it yet, so it gets the grants of `products-api` (the default SQLite database), as the
    /// catalog and inventory do; each call of this is a fresh instance, as each Spin request
    /// is.
    pub async fn pricing(&self) -> PricingHandle {
        build_library("pricing");
        let mut lib = self
            .app
            .instantiate_library(&wasm("pricing"), "products-api")
            .await
            .expect("the pricing component instantiates");
        let bindings = PricingComponent::new(&mut lib.store, &lib.instance)
            .expect("the pricing component exports its world");
        PricingHandle { lib, bindings }
    }
}

/// A live pricing component instance, with a method per export that panics on a trap and
/// returns the component's answer.
pub struct PricingHandle {
    pub lib: commerce_host::LibraryInstance,
    pub bindings: PricingComponent,
}

type PricingResult<T> = Result<T, Error>;

impl PricingHandle {
    pub async fn max_page_size(&mut self) -> u32 {
        self.bindings
            .commerce_pricing_pricing()
            .call_max_page_size(&mut self.lib.store)
            .await
            .expect("no trap")
    }

    pub async fn calculate(&mut self, request: &QuoteRequest) -> PricingResult<Quote> {
        self.bindings
            .commerce_pricing_pricing()
            .call_calculate(&mut self.lib.store, request)
            .await
            .expect("no trap")
    }

    pub async fn list_shipping_methods(
        &mut self,
        currency: &str,
        destination: Option<&str>,
        page: &PageRequest,
    ) -> PricingResult<ShippingMethodPage> {
        self.bindings
            .commerce_pricing_pricing()
            .call_list_shipping_methods(
                &mut self.lib.store,
                &currency.to_owned(),
                destination.map(str::to_owned).as_ref(),
                page,
            )
            .await
            .expect("no trap")
    }

    pub async fn create_shipping_method(
        &mut self,
        input: &ShippingMethodInput,
    ) -> PricingResult<ShippingMethod> {
        self.bindings
            .commerce_pricing_pricing_admin()
            .call_create_shipping_method(&mut self.lib.store, input)
            .await
            .expect("no trap")
    }

    pub async fn update_shipping_method(
        &mut self,
        id: &str,
        input: &ShippingMethodInput,
    ) -> PricingResult<ShippingMethod> {
        self.bindings
            .commerce_pricing_pricing_admin()
            .call_update_shipping_method(&mut self.lib.store, &id.to_owned(), input)
            .await
            .expect("no trap")
    }

    pub async fn delete_shipping_method(&mut self, id: &str) -> PricingResult<()> {
        self.bindings
            .commerce_pricing_pricing_admin()
            .call_delete_shipping_method(&mut self.lib.store, &id.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn list_all_shipping_methods(
        &mut self,
        page: &PageRequest,
    ) -> PricingResult<ShippingMethodPage> {
        self.bindings
            .commerce_pricing_pricing_admin()
            .call_list_all_shipping_methods(&mut self.lib.store, page)
            .await
            .expect("no trap")
    }

    pub async fn set_tax_rate(&mut self, rate: &TaxRate) -> PricingResult<TaxRate> {
        self.bindings
            .commerce_pricing_pricing_admin()
            .call_set_tax_rate(&mut self.lib.store, rate)
            .await
            .expect("no trap")
    }

    pub async fn delete_tax_rate(&mut self, country: &str) -> PricingResult<()> {
        self.bindings
            .commerce_pricing_pricing_admin()
            .call_delete_tax_rate(&mut self.lib.store, &country.to_owned())
            .await
            .expect("no trap")
    }

    pub async fn list_tax_rates(&mut self, page: &PageRequest) -> PricingResult<TaxRatePage> {
        self.bindings
            .commerce_pricing_pricing_admin()
            .call_list_tax_rates(&mut self.lib.store, page)
            .await
            .expect("no trap")
    }
}
