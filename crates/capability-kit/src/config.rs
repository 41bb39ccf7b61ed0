//! Spin variables a capability reads for its own rules (idle times, thresholds).

/// The value of the Spin variable `name`: `None` when the component was given no such
/// variable (the capability then uses its default), an error naming the variable when Spin
/// cannot read it (e.g. a dependency that does not inherit its parent's configuration).
pub fn variable(name: &str) -> Result<Option<String>, String> {
    match spin_sdk::variables::get(name) {
        Ok(value) => Ok(Some(value)),
        Err(spin_sdk::variables::Error::Undefined(_)) => Ok(None),
        Err(e) => Err(format!("reading {name}: {e}")),
    }
}
