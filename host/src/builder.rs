//! `[component.<id>.build]`: running the build commands, as `spin build` does.

use crate::manifest::{Dependency, Manifest, Source};
use anyhow::{Context, Result, bail};
use std::process::Command;

/// Runs every component's build commands in the manifest's directory (or its `workdir`),
/// each command once even when several components share it, dependencies before the
/// components that use them (see [`build_order`]).
pub fn build_all(manifest: &Manifest) -> Result<()> {
    ensure_rust_targets(manifest)?;
    let mut done: Vec<(String, std::path::PathBuf)> = Vec::new();
    for id in build_order(manifest) {
        let component = &manifest.components[id];
        let Some(build) = &component.build else {
            continue;
        };
        let dir = match &build.workdir {
            Some(w) => manifest.resolve(w),
            None => manifest.root.clone(),
        };
        for command in build.commands() {
            let key = (command.to_string(), dir.clone());
            if done.contains(&key) {
                continue;
            }
            tracing::info!("building {id}: {command}");
            let status = shell(command)
                .current_dir(&dir)
                .status()
                .with_context(|| format!("cannot run the build command of {id:?}: {command}"))?;
            if !status.success() {
                bail!("the build command of component {id:?} failed ({status}): {command}");
            }
            done.push(key);
        }
    }
    Ok(())
}

/// The components in the order `spin build` builds them: a component after every component
/// whose `.wasm` it depends on, so a consumer that reads its dependency's binary (for types
/// or composition) sees the new one. As in Spin, a dependency `{ path = ... }` is on the
/// component whose `source` is that file; this host also orders `{ component = ... }`
/// dependencies, which Spin leaves unordered. Otherwise the manifest's order (by id) is kept;
/// with a cycle, Spin builds in the manifest's order, and so does this.
pub fn build_order(manifest: &Manifest) -> Vec<&str> {
    let ids: Vec<&str> = manifest.components.keys().map(String::as_str).collect();
    let source_of = |id: &str| match &manifest.components[id].source {
        Source::Local(p) => Some(manifest.resolve(p)),
        _ => None,
    };
    // For each component, the components it depends on.
    let needs: Vec<Vec<usize>> = ids
        .iter()
        .map(|id| {
            let mut needs = Vec::new();
            for dep in manifest.components[*id].dependencies.values() {
                let on = match dep {
                    Dependency::Local { path, .. } => {
                        let path = manifest.resolve(path);
                        ids.iter()
                            .position(|other| source_of(other).is_some_and(|s| s == path))
                    }
                    Dependency::AppComponent { component, .. } => {
                        ids.iter().position(|other| other == component)
                    }
                    _ => None,
                };
                needs.extend(on.filter(|i| ids[*i] != *id));
            }
            needs
        })
        .collect();
    // Repeatedly take the first component (in manifest order) whose dependencies are built.
    let mut built = vec![false; ids.len()];
    let mut order = Vec::with_capacity(ids.len());
    while order.len() < ids.len() {
        let Some(next) = (0..ids.len()).find(|&i| !built[i] && needs[i].iter().all(|&d| built[d]))
        else {
            tracing::debug!(
                "There is a dependency cycle among components. Spin cannot guarantee to build dependencies before consumers."
            );
            return ids;
        };
        built[next] = true;
        order.push(ids[next]);
    }
    order
}

/// Installs, with rustup, any `--target` a build command names that the toolchain lacks.
/// rustup installs the targets of `rust-toolchain.toml` only when it installs the toolchain
/// itself, so on a machine that already had the toolchain the wasm target may be missing.
fn ensure_rust_targets(manifest: &Manifest) -> Result<()> {
    let mut wanted: Vec<&str> = Vec::new();
    for build in manifest
        .components
        .values()
        .filter_map(|c| c.build.as_ref())
    {
        for command in build.commands() {
            let mut words = command.split_whitespace();
            while let Some(w) = words.next() {
                let target = match w.strip_prefix("--target=") {
                    Some(t) => Some(t),
                    None if w == "--target" => words.next(),
                    None => None,
                };
                if let Some(t) = target.filter(|t| !wanted.contains(t)) {
                    wanted.push(t);
                }
            }
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let Ok(listed) = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(&manifest.root)
        .output()
    else {
        return Ok(()); // No rustup: the toolchain is managed some other way.
    };
    let installed = String::from_utf8_lossy(&listed.stdout);
    for target in wanted {
        if installed.lines().any(|l| l.trim() == target) {
            continue;
        }
        tracing::info!("installing the Rust target {target} with rustup");
        let status = Command::new("rustup")
            .args(["target", "add", target])
            .current_dir(&manifest.root)
            .status()
            .context("running rustup")?;
        if !status.success() {
            bail!("`rustup target add {target}` failed ({status})");
        }
    }
    Ok(())
}

fn shell(command: &str) -> Command {
    if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.args(["/C", command]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", command]);
        c
    }
}

/// What to tell someone whose component `.wasm` is missing.
pub fn build_hint(manifest: &Manifest, id: &str) -> String {
    match manifest.components.get(id).and_then(|c| c.build.as_ref()) {
        Some(b) => format!(
            "build it first with `{}` (or `commerce-host build`)",
            b.commands().join(" && ")
        ),
        None => {
            format!("component {id:?} has no [component.{id}.build] command; build its .wasm first")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn manifest(components: &str) -> Manifest {
        let text = format!(
            "spin_manifest_version = 2\n[application]\nname = \"x\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"web\"\n{components}"
        );
        Manifest::parse(&text, Path::new("/app/spin.toml")).unwrap()
    }

    #[test]
    fn dependencies_build_before_the_components_that_use_them() {
        // By id alone the order would be api, catalog, lib, web.
        let m = manifest(
            r#"
[component.web]
source = "web.wasm"
[component.web.dependencies]
"a:b/c" = { path = "./api.wasm" }
[component.api]
source = "api.wasm"
[component.api.dependencies]
"a:b/d" = { path = "catalog.wasm" }
"a:b/e" = { component = "lib" }
[component.catalog]
source = "catalog.wasm"
[component.lib]
source = "lib.wasm"
"#,
        );
        assert_eq!(build_order(&m), ["catalog", "lib", "api", "web"]);
    }

    #[test]
    fn without_dependencies_or_with_a_cycle_the_manifest_order_is_kept() {
        let m = manifest(
            "[component.web]\nsource = \"web.wasm\"\n[component.api]\nsource = \"api.wasm\"\n",
        );
        assert_eq!(build_order(&m), ["api", "web"]);
        let m = manifest(
            r#"
[component.web]
source = "web.wasm"
[component.web.dependencies]
"a:b/c" = { path = "api.wasm" }
[component.api]
source = "api.wasm"
[component.api.dependencies]
"a:b/c" = { path = "web.wasm" }
"#,
        );
        assert_eq!(build_order(&m), ["api", "web"]);
    }
}
