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
///
/// The algorithm is Spin's (`spin-compose`), step for step, so that a manifest Spin refuses
/// is refused here with the same message:
///
/// 1. the component is registered in the graph under its id;
/// 2. for each dependency, in the order of the lock file (sorted by name): the imports its
///    name selects are found (none: "doesn't match any imports"), then the dependency is
///    registered under its *package* name (`ns:pkg`, without interface or version). A
///    package can be registered once, so two dependencies from one package fail here with
///    wac's "package `ns:pkg` has already been registered in the graph";
/// 3. an import selected by two dependencies is a conflict, reported for all imports at once;
/// 4. each import is given the dependency's export of the same name (or the manifest's
///    `export`), which must exist and be a subtype of the import.
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
    let (root_world, root) =
        register(&mut graph, component_id, component).context(PREPARE_ERROR)?;
    let imports: Vec<String> = graph.types()[root_world].imports.keys().cloned().collect();

    // Match every dependency name to the imports it selects and register it by package.
    let mut chosen: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut registered: Vec<(WorldId, NodeId)> = Vec::new();
    for (i, dep) in dependencies.iter().enumerate() {
        let name = DependencyName::parse(&dep.name)
            .with_context(|| format!("dependency name {:?}", dep.name))?;
        let matched: Vec<&String> = imports.iter().filter(|imp| name.matches(imp)).collect();
        if matched.is_empty() {
            bail!(
                "dependency '{}' doesn't match any imports of component '{component_id}'",
                dep.name
            );
        }
        let (world, node) =
            register(&mut graph, &name.package, dep.bytes.clone()).context(PREPARE_ERROR)?;
        if !inherit_configuration {
            deny_host_imports(&mut graph, world, node).context(PREPARE_ERROR)?;
        }
        registered.push((world, node));
        for import in matched {
            chosen.entry(import.clone()).or_default().push(i);
        }
    }
    let conflicts: Vec<String> = chosen
        .iter()
        .filter(|(_, deps)| deps.len() > 1)
        .map(|(import, deps)| {
            let names: Vec<&str> = deps
                .iter()
                .map(|&d| dependencies[d].name.as_str())
                .collect();
            format!(
                "import '{import}' satisfied by dependencies: '{}'",
                names.join(", ")
            )
        })
        .collect();
    ensure!(
        conflicts.is_empty(),
        "component '{component_id}' has dependency conflicts: {}",
        conflicts.join("; ")
    );

    // Plug each dependency's export into the import it serves.
    let mut cache = HashSet::new();
    for (import, deps) in &chosen {
        let d = deps[0];
        let dep = &dependencies[d];
        let (world, node) = registered[d];
        let export = dep.export.clone().unwrap_or_else(|| import.clone());
        let Some(export_kind) = graph.types()[world].exports.get(&export).copied() else {
            bail!(
                "dependency '{}' doesn't export '{export}' to satisfy import '{import}'",
                dep.name
            );
        };
        let import_kind = graph.types()[root_world].imports[import];
        SubtypeChecker::new(&mut cache)
            .is_subtype(export_kind, graph.types(), import_kind, graph.types())
            .with_context(|| {
                format!(
                    "dependency '{}' exports '{export}' which is not compatible with import '{import}'",
                    dep.name
                )
            })
            .context(PREPARE_ERROR)?;
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
        .map_err(|e| anyhow::anyhow!("failed to encode composition graph: {e}"))
}

/// Spin's message for a failure while building the graph; the cause follows it.
const PREPARE_ERROR: &str = "an error occurred when preparing dependencies";

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
