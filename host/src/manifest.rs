//! `spin.toml`, manifest version 2: the subset of Spin's schema this host runs, read strictly.
//!
//! Unknown fields are errors, as they are for Spin. Features Spin has but a portable
//! spin-commerce app must not use (service chaining, per-dependency `inherit_configuration`,
//! `profile` tables) are refused with the reason, so the host keeps the app portable to
//! Fermyon Cloud and SpinKube.

use anyhow::{Context, Result, bail, ensure};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A parsed and validated manifest, with the directory relative paths are resolved against.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The directory holding `spin.toml`.
    pub root: PathBuf,
    /// The file it was read from.
    pub path: PathBuf,
    pub application: Application,
    pub variables: BTreeMap<String, Variable>,
    pub http_triggers: Vec<HttpTrigger>,
    pub components: BTreeMap<String, Component>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    spin_manifest_version: u32,
    application: Application,
    #[serde(default)]
    variables: BTreeMap<String, Variable>,
    #[serde(default)]
    trigger: BTreeMap<String, Vec<toml::Table>>,
    #[serde(default)]
    component: BTreeMap<String, Component>,
}

/// `[application]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub authors: Vec<String>,
    /// Application-wide trigger settings (`[application.trigger.http] base = "/"`).
    #[serde(default)]
    pub trigger: BTreeMap<String, toml::Table>,
    #[serde(default)]
    pub targets: Vec<toml::Value>,
    #[serde(default)]
    pub tool: BTreeMap<String, toml::Table>,
}

/// An entry of `[variables]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub secret: bool,
}

/// A `[[trigger.http]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTrigger {
    #[serde(default)]
    pub id: Option<String>,
    pub route: Route,
    pub component: String,
    #[serde(default)]
    pub executor: Option<toml::Table>,
}

/// A trigger's route: a pattern, or `{ private = true }` for a component reachable only by
/// service chaining (which this host, like Fermyon Cloud, does not offer).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Route {
    Pattern(String),
    Private { private: bool },
}

/// A `[component.<id>]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub source: Source,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub files: Vec<FilesMount>,
    #[serde(default)]
    pub exclude_files: Vec<String>,
    #[serde(default)]
    pub allowed_http_hosts: Vec<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default, alias = "key-value-stores")]
    pub key_value_stores: Vec<String>,
    #[serde(default, alias = "sqlite-databases")]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub ai_models: Vec<String>,
    #[serde(default)]
    pub targets: Option<Vec<toml::Value>>,
    #[serde(default)]
    pub build: Option<Build>,
    #[serde(default)]
    pub tool: BTreeMap<String, toml::Table>,
    #[serde(default)]
    pub dependencies_inherit_configuration: Option<bool>,
    #[serde(default)]
    pub dependencies: BTreeMap<String, Dependency>,
    /// Parsed only to refuse it with a reason: Fermyon Cloud's manifest parser rejects it.
    #[serde(default)]
    profile: Option<toml::Table>,
}

/// Where a component's Wasm comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Source {
    Local(String),
    Remote {
        url: String,
        digest: String,
    },
    Registry {
        package: String,
        version: String,
        registry: Option<String>,
    },
}

/// One entry of `files`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FilesMount {
    /// A glob relative to the manifest's directory, mounted at the same relative path.
    Pattern(String),
    /// A directory mounted at `destination`.
    Placement { source: String, destination: String },
}

/// `[component.<id>.build]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    pub command: Commands,
    #[serde(default)]
    pub workdir: Option<String>,
    #[serde(default)]
    pub watch: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Commands {
    One(String),
    Many(Vec<String>),
}

impl Build {
    /// The commands in the order they run.
    pub fn commands(&self) -> Vec<&str> {
        match &self.command {
            Commands::One(c) => vec![c.as_str()],
            Commands::Many(cs) => cs.iter().map(String::as_str).collect(),
        }
    }
}

/// A value of `[component.<id>.dependencies]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Dependency {
    Local {
        path: PathBuf,
        #[serde(default)]
        export: Option<String>,
        #[serde(default)]
        inherit_configuration: Option<toml::Value>,
    },
    AppComponent {
        component: String,
        #[serde(default)]
        export: Option<String>,
        #[serde(default)]
        inherit_configuration: Option<toml::Value>,
    },
    Http {
        url: String,
        digest: String,
    },
    Package {
        version: String,
        #[serde(default)]
        package: Option<String>,
    },
    Version(String),
}

impl Dependency {
    /// The export of the dependency that satisfies the import, when it is not the import's name.
    pub fn export(&self) -> Option<&str> {
        match self {
            Dependency::Local { export, .. } | Dependency::AppComponent { export, .. } => {
                export.as_deref()
            }
            _ => None,
        }
    }
}

impl Manifest {
    /// Reads and validates `path`. Errors name the file, the line and the field.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the manifest {}", path.display()))?;
        Self::parse(&text, path)
    }

    /// Parses manifest text as if read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            // toml's message already carries the line, column, field and a snippet.
            anyhow::anyhow!("invalid manifest {}: {e}", path.display())
        })?;
        let root = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let root = std::path::absolute(&root).unwrap_or(root);
        let manifest = Manifest::validate(raw, root, path.to_path_buf())
            .with_context(|| format!("invalid manifest {}", path.display()))?;
        Ok(manifest)
    }

    fn validate(raw: RawManifest, root: PathBuf, path: PathBuf) -> Result<Self> {
        ensure!(
            raw.spin_manifest_version == 2,
            "spin_manifest_version = {}: this host reads manifest version 2",
            raw.spin_manifest_version
        );
        for (name, var) in &raw.variables {
            ensure!(
                is_lower_snake(name),
                "[variables] {name:?}: variable names are lower snake case (a-z, 0-9, _)"
            );
            ensure!(
                !(var.required && var.default.is_some()),
                "[variables] {name:?}: a variable cannot be both required and have a default"
            );
        }

        if let Some(http) = raw.application.trigger.get("http") {
            check_http_trigger_settings(http)?;
        }

        let mut http_triggers = Vec::new();
        for (kind, entries) in raw.trigger {
            ensure!(
                kind == "http",
                "[[trigger.{kind}]]: this host runs HTTP triggers only"
            );
            for (i, entry) in entries.into_iter().enumerate() {
                let trigger: HttpTrigger = toml::Value::Table(entry)
                    .try_into()
                    .with_context(|| format!("[[trigger.http]] entry {}", i + 1))?;
                http_triggers.push(trigger);
            }
        }

        for (id, component) in &raw.component {
            ensure!(
                is_kebab(id),
                "[component.{id}]: component ids are kebab case (a-z, 0-9, -)"
            );
            component
                .check(id, &raw.variables)
                .with_context(|| format!("[component.{id}]"))?;
        }
        for trigger in &http_triggers {
            ensure!(
                raw.component.contains_key(&trigger.component),
                "[[trigger.http]] route {:?} names component {:?}, which no [component.{}] defines",
                trigger.route,
                trigger.component,
                trigger.component
            );
            if let Route::Pattern(p) = &trigger.route {
                crate::routes::RoutePattern::parse(p)
                    .with_context(|| format!("[[trigger.http]] route {p:?}"))?;
            }
        }

        Ok(Manifest {
            root,
            path,
            application: raw.application,
            variables: raw.variables,
            http_triggers,
            components: raw.component,
        })
    }

    /// A path from the manifest, resolved against the manifest's directory.
    pub fn resolve(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }

    /// The `.wasm` file of a component, resolved.
    pub fn source_path(&self, id: &str) -> Result<PathBuf> {
        let component = &self.components[id];
        match &component.source {
            Source::Local(p) => Ok(self.resolve(p)),
            other => bail!(
                "[component.{id}] source {other:?}: this host loads local files only; build the component and point `source` at its .wasm"
            ),
        }
    }
}

impl Component {
    fn check(&self, id: &str, app_vars: &BTreeMap<String, Variable>) -> Result<()> {
        if let Source::Local(p) = &self.source {
            ensure!(!p.is_empty(), "source: empty path");
        }
        ensure!(
            self.profile.is_none(),
            "profile: not portable (Fermyon Cloud's manifest parser rejects `profile` tables)"
        );
        ensure!(
            self.allowed_http_hosts.is_empty(),
            "allowed_http_hosts is deprecated in Spin; use allowed_outbound_hosts"
        );
        for host in &self.allowed_outbound_hosts {
            crate::outbound::AllowedHost::parse(host)
                .with_context(|| format!("allowed_outbound_hosts entry {host:?}"))?;
        }
        for (name, template) in &self.variables {
            ensure!(
                is_lower_snake(name),
                "variables.{name}: variable names are lower snake case"
            );
            for referenced in crate::variables::template_references(template)
                .with_context(|| format!("variables.{name}"))?
            {
                ensure!(
                    app_vars.contains_key(&referenced),
                    "variables.{name} refers to {{{{ {referenced} }}}}, which [variables] does not declare"
                );
            }
        }
        for (name, dep) in &self.dependencies {
            check_dependency_name(name).with_context(|| format!("dependencies.{name:?}"))?;
            match dep {
                Dependency::Local {
                    inherit_configuration: Some(_),
                    ..
                }
                | Dependency::AppComponent {
                    inherit_configuration: Some(_),
                    ..
                } => bail!(
                    "dependencies.{name:?}.inherit_configuration: not portable (Fermyon Cloud rejects it, and Spin 3.6, which SpinKube runs, does not know it); set `dependencies_inherit_configuration = true` on the component instead"
                ),
                Dependency::Http { .. } | Dependency::Package { .. } | Dependency::Version(_) => {
                    bail!(
                        "dependencies.{name:?}: this host resolves local (`path`) and app (`component`) dependencies only"
                    )
                }
                _ => {}
            }
            if let Some(export) = dep.export() {
                ensure!(
                    name.contains('/'),
                    "dependencies.{name:?}: an `export` may only satisfy an interface dependency, not a whole package"
                );
                ensure!(!export.is_empty(), "dependencies.{name:?}.export is empty");
            }
        }
        let _ = id;
        Ok(())
    }
}

/// `[application.trigger.http]`, read as Spin 4 reads it: `base` is its only field, and a
/// base other than `/` is refused (Spin 4 dropped the base; routes carry the whole path).
fn check_http_trigger_settings(settings: &toml::Table) -> Result<()> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct HttpTriggerSettings {
        base: Option<String>,
    }
    let settings: HttpTriggerSettings = toml::Value::Table(settings.clone())
        .try_into()
        .context("[application.trigger.http]")?;
    match settings.base.as_deref() {
        None => {}
        Some("/") => tracing::warn!(
            "This application has the deprecated trigger 'base' set to the default value '/'. This may be an error in the future!"
        ),
        Some(_) => bail!(
            "This application is using the deprecated trigger 'base' field. The base must be prepended to each [[trigger.http]]'s 'route'."
        ),
    }
    Ok(())
}

/// Dependency names are a plain kebab name, `ns:pkg`, `ns:pkg@ver`, `ns:pkg/iface` or
/// `ns:pkg/iface@ver`, as in Spin.
fn check_dependency_name(name: &str) -> Result<()> {
    if !name.contains(':') {
        ensure!(is_kebab(name), "a plain dependency name must be kebab case");
        bail!("a plain dependency name needs a package; name the interface as `ns:pkg/iface`");
    }
    let parsed = crate::compose::DependencyName::parse(name)?;
    let _ = parsed;
    Ok(())
}

pub(crate) fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && s.starts_with(|c: char| c.is_ascii_lowercase())
}

pub(crate) fn is_lower_snake(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest> {
        Manifest::parse(text, Path::new("/app/spin.toml"))
    }

    const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "x"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
"#;

    #[test]
    fn a_minimal_manifest_parses() {
        let m = parse(MINIMAL).unwrap();
        assert_eq!(m.http_triggers.len(), 1);
        assert_eq!(m.source_path("web").unwrap(), Path::new("/app/web.wasm"));
    }

    #[test]
    fn an_unknown_field_names_the_file_line_and_field() {
        let text = MINIMAL.replace("source = \"web.wasm\"", "source = \"web.wasm\"\nsorce = 1");
        let err = format!("{:#}", parse(&text).unwrap_err());
        assert!(err.contains("/app/spin.toml"), "{err}");
        assert!(err.contains("line 10"), "{err}");
        assert!(err.contains("sorce"), "{err}");
    }

    #[test]
    fn profiles_and_per_dependency_inheritance_are_refused_as_not_portable() {
        let text = format!("{MINIMAL}[component.web.profile.debug]\nsource = \"d.wasm\"\n");
        assert!(format!("{:#}", parse(&text).unwrap_err()).contains("not portable"));
        let text = format!(
            "{MINIMAL}[component.web.dependencies]\n\"a:b/c\" = {{ path = \"d.wasm\", inherit_configuration = true }}\n"
        );
        assert!(format!("{:#}", parse(&text).unwrap_err()).contains("not portable"));
    }

    #[test]
    fn a_base_other_than_the_root_is_refused_as_spin_4_refuses_it() {
        let with_base = |table: &str| {
            MINIMAL.replace(
                "name = \"x\"\n",
                &format!("name = \"x\"\n[application.trigger.http]\n{table}\n"),
            )
        };
        assert!(parse(&with_base("base = \"/\"")).is_ok());
        let err = format!("{:#}", parse(&with_base("base = \"/shop\"")).unwrap_err());
        assert!(
            err.contains("This application is using the deprecated trigger 'base' field. The base must be prepended to each [[trigger.http]]'s 'route'."),
            "{err}"
        );
        let err = format!("{:#}", parse(&with_base("bass = \"/\"")).unwrap_err());
        assert!(err.contains("bass"), "{err}");
    }

    #[test]
    fn a_trigger_naming_a_missing_component_is_an_error() {
        let text = MINIMAL.replace("component = \"web\"", "component = \"nope\"");
        assert!(format!("{:#}", parse(&text).unwrap_err()).contains("\"nope\""));
    }

    #[test]
    fn a_required_variable_with_a_default_is_an_error() {
        let text =
            format!("{MINIMAL}[variables]\ntoken = {{ required = true, default = \"x\" }}\n");
        assert!(parse(&text).is_err());
    }

    #[test]
    fn a_component_variable_must_refer_to_declared_variables() {
        let text = format!("{MINIMAL}[component.web.variables]\na = \"{{{{ missing }}}}\"\n");
        assert!(format!("{:#}", parse(&text).unwrap_err()).contains("missing"));
    }
}
