//! `[component.<id>.build]`: running the build commands, as `spin build` does.

use crate::manifest::Manifest;
use anyhow::{Context, Result, bail};
use std::process::Command;

/// Runs every component's build commands in the manifest's directory (or its `workdir`),
/// each command once even when several components share it.
pub fn build_all(manifest: &Manifest) -> Result<()> {
    ensure_rust_targets(manifest)?;
    let mut done: Vec<(String, std::path::PathBuf)> = Vec::new();
    for (id, component) in &manifest.components {
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
