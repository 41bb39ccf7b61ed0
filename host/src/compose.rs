//! Composition of a component with its `[component.<id>.dependencies]`, as Spin composes it.
//!
//! Each dependency name is matched against the component's imports: `ns:pkg/iface@ver`
//! matches that exact import, `ns:pkg/iface` the interface at any version, `ns:pkg` and
//! `ns:pkg@ver` every interface of the package. A name that matches no import, or an import
//! matched by two dependencies, is an error naming both. The dependency must export the
//! import's name (or the `export` the manifest gives) with a compatible type. The result
//! exports what the component exports; imports nobody satisfied stay imports of the whole,
//! for the host to provide.
//!
//! A dependency sees the same Spin resources as its parent only when the parent sets
//! `dependencies_inherit_configuration = true`. Without it, Spin puts a "deny-all" adapter in
//! front of the dependency; here the dependency's Spin imports are renamed into the
//! `commerce-host:deny` namespace instead, which the host implements by refusing every call
//! (see [`crate::deny`]). The observable behaviour is Spin's: the dependency gets
//! `access-denied`.

use anyhow::{Context, Result, bail, ensure};
use std::collections::{BTreeMap, HashSet};
use wac_graph::types::{ItemKind, Package, SubtypeChecker, WorldId};
use wac_graph::{CompositionGraph, EncodeOptions, NodeId};

/// A parsed dependency name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyName {
    pub package: String,
    pub interface: Option<String>,
    pub version: Option<String>,
}

impl DependencyName {
    /// Parses `ns:pkg[/iface][@version]`.
    pub fn parse(name: &str) -> Result<Self> {
        let (rest, version) = match name.split_once('@') {
            Some((r, v)) => (r, Some(v.to_string())),
            None => (name, None),
        };
        let (package, interface) = match rest.split_once('/') {
            Some((p, i)) => (p, Some(i.to_string())),
            None => (rest, None),
        };
        let (ns, pkg) = package
            .split_once(':')
            .context("expected `namespace:package[/interface][@version]`")?;
        ensure!(
            crate::manifest::is_kebab(ns) && crate::manifest::is_kebab(pkg),
            "namespace and package are kebab case"
        );
        if let Some(i) = &interface {
            ensure!(
                crate::manifest::is_kebab(i),
                "interface {i:?} is not kebab case"
            );
        }
        if let Some(v) = &version {
            ensure!(
                v.split(['.', '-', '+']).count() >= 3
                    && v.starts_with(|c: char| c.is_ascii_digit()),
                "version {v:?} is not a semantic version"
            );
        }
        Ok(Self {
            package: package.to_string(),
            interface,
            version,
        })
    }

    /// Whether this name selects the import named `import`.
    pub fn matches(&self, import: &str) -> bool {
        let Ok(import) = DependencyName::parse(import) else {
            return false; // plain-named imports are never matched by a package name
        };
        let Some(import_interface) = import.interface else {
            return false;
        };
        import.package == self.package
            && self
                .interface
                .as_ref()
                .is_none_or(|i| *i == import_interface)
            && self
                .version
                .as_ref()
                .is_none_or(|v| import.version.as_ref() == Some(v))
    }
}

/// A dependency ready to compose: its manifest name, bytes, and the export to use.
pub struct DependencySource {
    pub name: String,
    pub bytes: Vec<u8>,
    pub export: Option<String>,
}

/// Import name prefixes of the host capabilities a non-inheriting dependency is denied.
pub const DENIABLE_IMPORTS: &[&str] = &[
    "fermyon:spin/key-value@",
    "fermyon:spin/sqlite@",
    "fermyon:spin/variables@",
    "wasi:http/outgoing-handler@",
];

/// The import name under which a denied import is provided to a non-inheriting dependency.
pub fn denied_import_name(import: &str) -> String {
    // "fermyon:spin/key-value@2.0.0" -> "commerce-host:deny/fermyon-spin-key-value@2.0.0"
    let (name, version) = import.split_once('@').unwrap_or((import, ""));
    let flat = name.replace([':', '/'], "-");
    if version.is_empty() {
        format!("commerce-host:deny/{flat}")
    } else {
        format!("commerce-host:deny/{flat}@{version}")
    }
}

/// Composes `component` (named `component_id`) with its dependencies and returns the bytes of
/// the composed component. Without dependencies the component is returned unchanged.
pub fn compose(
    component_id: &str,
    component: Vec<u8>,
    dependencies: Vec<DependencySource>,
    inherit_configuration: bool,
) -> Result<Vec<u8>> {
    if dependencies.is_empty() {
        return Ok(component);
    }
    let mut graph = CompositionGraph::new();
    let (root_world, root) = register(&mut graph, &format!("app:{component_id}"), component)
        .with_context(|| format!("component {component_id:?} is not a valid component"))?;
    let imports: Vec<String> = graph.types()[root_world].imports.keys().cloned().collect();

    // Match every dependency name to the imports it selects.
    let mut chosen: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut parsed = Vec::new();
    for (i, dep) in dependencies.iter().enumerate() {
        let name = DependencyName::parse(&dep.name)
            .with_context(|| format!("dependency name {:?}", dep.name))?;
        let matched: Vec<&String> = imports.iter().filter(|imp| name.matches(imp)).collect();
        if matched.is_empty() {
            bail!(
                "dependency {:?} doesn't match any import of component {component_id:?} (it imports: {})",
                dep.name,
                imports.join(", ")
            );
        }
        for import in matched {
            chosen.entry(import.clone()).or_default().push(i);
        }
        parsed.push(name);
    }
    let conflicts: Vec<String> = chosen
        .iter()
        .filter(|(_, deps)| deps.len() > 1)
        .map(|(import, deps)| {
            let names: Vec<&str> = deps
                .iter()
                .map(|&d| dependencies[d].name.as_str())
                .collect();
            format!("import {import:?} is satisfied by {}", names.join(" and "))
        })
        .collect();
    ensure!(
        conflicts.is_empty(),
        "component {component_id:?} has conflicting dependencies: {}",
        conflicts.join("; ")
    );

    // Instantiate each dependency once, then plug its exports into the imports it serves.
    let mut instances: BTreeMap<usize, (WorldId, NodeId)> = BTreeMap::new();
    let mut cache = HashSet::new();
    for (import, deps) in &chosen {
        let d = deps[0];
        let dep = &dependencies[d];
        let (world, node) = match instances.get(&d) {
            Some(x) => *x,
            None => {
                let registered = register(
                    &mut graph,
                    &format!("dep{d}:{}", parsed[d].package.replace(':', "-")),
                    dep.bytes.clone(),
                )
                .with_context(|| format!("dependency {:?} is not a valid component", dep.name))?;
                if !inherit_configuration {
                    deny_host_imports(&mut graph, registered.0, registered.1)?;
                }
                instances.insert(d, registered);
                registered
            }
        };
        let export = dep.export.clone().unwrap_or_else(|| import.clone());
        let Some(export_kind) = graph.types()[world].exports.get(&export).copied() else {
            bail!(
                "dependency {:?} doesn't export {export:?} to satisfy import {import:?} of component {component_id:?}",
                dep.name
            );
        };
        let import_kind = graph.types()[root_world].imports[import];
        SubtypeChecker::new(&mut cache)
            .is_subtype(export_kind, graph.types(), import_kind, graph.types())
            .with_context(|| {
                format!(
                    "dependency {:?} exports {export:?}, which is not compatible with import {import:?}",
                    dep.name
                )
            })?;
        let alias = graph.alias_instance_export(node, &export)?;
        graph.set_instantiation_argument(root, import, alias)?;
    }

    let exports: Vec<String> = graph.types()[root_world].exports.keys().cloned().collect();
    for export in exports {
        let alias = graph.alias_instance_export(root, &export)?;
        graph.export(alias, &export)?;
    }
    graph
        .encode(EncodeOptions::default())
        .with_context(|| format!("cannot encode the composition of {component_id:?}"))
}

fn register(graph: &mut CompositionGraph, name: &str, bytes: Vec<u8>) -> Result<(WorldId, NodeId)> {
    let package = Package::from_bytes(name, None, bytes, graph.types_mut())?;
    let world = package.ty();
    let id = graph.register_package(package)?;
    Ok((world, graph.instantiate(id)))
}

/// Feeds the dependency's Spin imports from renamed imports that the host denies.
fn deny_host_imports(graph: &mut CompositionGraph, world: WorldId, node: NodeId) -> Result<()> {
    let imports: Vec<(String, ItemKind)> = graph.types()[world]
        .imports
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    for (name, kind) in imports {
        if DENIABLE_IMPORTS.iter().any(|p| name.starts_with(p)) {
            let renamed = denied_import_name(&name);
            let existing = graph
                .imports()
                .find(|(n, ..)| *n == renamed)
                .and_then(|(_, _, node)| node);
            let import = match existing {
                Some(node) => node,
                None => graph.import(renamed, kind)?,
            };
            graph.set_instantiation_argument(node, &name, import)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_names_match_imports_as_in_spin() {
        let yes = [
            ("foo:bar/baz@0.1.0", "foo:bar/baz@0.1.0"),
            ("foo:bar/baz", "foo:bar/baz@0.1.0"),
            ("foo:bar/baz", "foo:bar/baz"),
            ("foo:bar", "foo:bar/baz@0.1.0"),
            ("foo:bar", "foo:bar/baz"),
            ("foo:bar@0.1.0", "foo:bar/baz@0.1.0"),
        ];
        for (dep, import) in yes {
            assert!(
                DependencyName::parse(dep).unwrap().matches(import),
                "{dep} ~ {import}"
            );
        }
        let no = [
            ("foo:bar/baz@0.1.0", "foo:bar/baz"),
            ("foo:bar/baz", "foo:bar/bub"),
            ("foo:bar/baz", "foo:bar/bub@0.1.0"),
            ("foo:bar", "foo:bub/bib"),
            ("foo:bar@0.1.0", "foo:bar/baz"),
            ("foo:bar/baz", "foo:bar/baz-bub"),
            ("foo:bar/baz", "foo-bar"),
        ];
        for (dep, import) in no {
            assert!(
                !DependencyName::parse(dep).unwrap().matches(import),
                "{dep} !~ {import}"
            );
        }
    }

    #[test]
    fn malformed_dependency_names_are_rejected() {
        for bad in ["foo", "Foo:bar", "foo:bar/Baz", "foo:bar@x"] {
            assert!(DependencyName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn denied_imports_get_a_valid_interface_name() {
        assert_eq!(
            denied_import_name("fermyon:spin/key-value@2.0.0"),
            "commerce-host:deny/fermyon-spin-key-value@2.0.0"
        );
    }
}
