//! `fermyon:spin/variables@2.0.0`: application variables, resolved as Spin resolves them.
//!
//! An application declares variables in `[variables]` (a default, or `required = true`);
//! a component sees only the names in its own `[component.<id>.variables]` table, whose
//! values are templates such as `"{{ admin_token }}"` or `"Bearer {{ token }}"`. A value
//! comes from, in order: an explicit override given to the host (tests), the environment
//! variable `SPIN_VARIABLE_<NAME>` (upper case), then the default. A required variable with
//! no value stops the application from starting, naming the variable and how to set it.

use crate::bindings::fermyon::spin2_0_0::variables;
use crate::manifest::{Manifest, is_lower_snake};
use crate::state::HostState;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;

/// The names a template refers to, or an error for a malformed template.
pub fn template_references(template: &str) -> Result<Vec<String>> {
    Ok(parse_template(template)?
        .into_iter()
        .filter_map(|p| match p {
            Part::Var(v) => Some(v),
            Part::Text(_) => None,
        })
        .collect())
}

enum Part {
    Text(String),
    Var(String),
}

fn parse_template(template: &str) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            parts.push(Part::Text(rest[..start].to_string()));
        }
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            bail!("unclosed '{{{{' in {template:?}");
        };
        let name = after[..end].trim();
        if !is_lower_snake(name) {
            bail!("{name:?} in {template:?} is not a variable name");
        }
        parts.push(Part::Var(name.to_string()));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    Ok(parts)
}

/// The application's variables with their resolved values, and each component's view.
#[derive(Debug, Clone, Default)]
pub struct ResolvedVariables {
    /// component id -> variable name -> value.
    per_component: BTreeMap<String, BTreeMap<String, String>>,
}

impl ResolvedVariables {
    /// Resolves every variable of every component, failing for a required variable
    /// that has no value.
    pub fn resolve(manifest: &Manifest, overrides: &BTreeMap<String, String>) -> Result<Self> {
        let mut app_values = BTreeMap::new();
        let mut missing = Vec::new();
        for (name, var) in &manifest.variables {
            let env_name = format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase());
            let value = overrides
                .get(name)
                .cloned()
                .or_else(|| std::env::var(&env_name).ok())
                .or_else(|| var.default.clone());
            match value {
                Some(v) => {
                    app_values.insert(name.clone(), v);
                }
                None if var.required => missing.push(format!("{name} (set {env_name})")),
                None => {}
            }
        }
        if !missing.is_empty() {
            bail!(
                "required application variable(s) have no value: {}",
                missing.join(", ")
            );
        }
        let mut per_component = BTreeMap::new();
        for (id, component) in &manifest.components {
            let mut values = BTreeMap::new();
            for (name, template) in &component.variables {
                let mut value = String::new();
                for part in parse_template(template)? {
                    match part {
                        Part::Text(t) => value.push_str(&t),
                        Part::Var(v) => value.push_str(app_values.get(&v).with_context(|| {
                            format!(
                                "[component.{id}] variable {name:?} uses {v:?}, which has no value; set SPIN_VARIABLE_{}",
                                v.to_ascii_uppercase()
                            )
                        })?),
                    }
                }
                values.insert(name.clone(), value);
            }
            per_component.insert(id.clone(), values);
        }
        Ok(Self { per_component })
    }

    /// The variables component `id` may read.
    pub fn for_component(&self, id: &str) -> BTreeMap<String, String> {
        self.per_component.get(id).cloned().unwrap_or_default()
    }
}

impl variables::Host for HostState {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<String, variables::Error>> {
        if !is_lower_snake(&name) {
            return Ok(Err(variables::Error::InvalidName(format!(
                "{name:?} is not a valid variable name: lower snake case only"
            ))));
        }
        Ok(self.config.variables.get(&name).cloned().ok_or_else(|| {
            variables::Error::Undefined(format!(
                "no variable for {:?}.{name:?}",
                self.config.component_id
            ))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn manifest(vars: &str, component_vars: &str) -> Manifest {
        let text = format!(
            "spin_manifest_version = 2\n[application]\nname = \"x\"\n[variables]\n{vars}\n[component.web]\nsource = \"w.wasm\"\n[component.web.variables]\n{component_vars}\n"
        );
        Manifest::parse(&text, Path::new("/app/spin.toml")).unwrap()
    }

    #[test]
    fn templates_combine_text_and_variables() {
        let m = manifest(
            "host = { default = \"example.com\" }\nport = { default = \"80\" }",
            "url = \"http://{{ host }}:{{port}}/\"",
        );
        let r = ResolvedVariables::resolve(&m, &BTreeMap::new()).unwrap();
        assert_eq!(r.for_component("web")["url"], "http://example.com:80/");
    }

    #[test]
    fn overrides_beat_defaults() {
        let m = manifest("name = { default = \"a\" }", "name = \"{{ name }}\"");
        let overrides = BTreeMap::from([("name".to_string(), "b".to_string())]);
        let r = ResolvedVariables::resolve(&m, &overrides).unwrap();
        assert_eq!(r.for_component("web")["name"], "b");
    }

    #[test]
    fn a_required_variable_without_a_value_stops_start_up_with_its_name() {
        let m = manifest(
            "commerce_unset_token = { required = true, secret = true }",
            "t = \"{{ commerce_unset_token }}\"",
        );
        let err = ResolvedVariables::resolve(&m, &BTreeMap::new()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("commerce_unset_token"), "{msg}");
        assert!(msg.contains("SPIN_VARIABLE_COMMERCE_UNSET_TOKEN"), "{msg}");
    }

    #[test]
    fn malformed_templates_are_rejected() {
        assert!(template_references("{{ open").is_err());
        assert!(template_references("{{ Not-Snake }}").is_err());
        assert_eq!(template_references("a{{b}}c").unwrap(), vec!["b"]);
    }
}
