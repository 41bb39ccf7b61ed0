//! Which role grants which permission: the table in `identity.wit`, in one place. Pure.

use crate::exports::commerce::identity::identity::{Permission, Role};

/// Whether `role` grants `permission`.
pub fn grants(role: Role, permission: Permission) -> bool {
    use Permission as P;
    let read = matches!(
        permission,
        P::CatalogRead | P::InventoryRead | P::PricingRead | P::OrdersRead | P::CustomersRead
    );
    match role {
        Role::Owner => true,
        Role::ReadOnly => read,
        Role::CatalogManager => matches!(
            permission,
            P::CatalogRead
                | P::CatalogWrite
                | P::PricingRead
                | P::PricingWrite
                | P::InventoryRead
                | P::OrdersRead
        ),
        Role::Fulfilment => matches!(
            permission,
            P::OrdersRead | P::OrdersWrite | P::InventoryRead | P::InventoryWrite | P::CatalogRead
        ),
        Role::Support => matches!(
            permission,
            P::OrdersRead
                | P::OrdersWrite
                | P::PaymentsWrite
                | P::CustomersRead
                | P::CustomersWrite
                | P::CatalogRead
                | P::InventoryRead
        ),
    }
}
