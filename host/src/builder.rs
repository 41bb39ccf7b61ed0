//! `[component.<id>.build]`: running the build commands, as `spin build` does.

use crate::manifest::Manifest;
use anyhow::{Context, Result, bail};
use std::process::Command;

/// Runs every component's build commands in the manifest's directory (or its `workdir`),
/// each command once even when several components share it.
pub fn build_all(manifest: &Manifest) -> Result<()> {
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
