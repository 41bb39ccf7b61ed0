//! Finds the WIT that Spin hosts implement, as shipped inside the spin-sdk crate the components
//! are built with, and generates the host bindings from it. Nothing of Spin's WIT is copied into
//! this repository: the bindings always follow the spin-sdk version in Cargo.lock.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().join("Cargo.toml");
    println!("cargo:rerun-if-changed=build.rs");
    println!(
        "cargo:rerun-if-changed={}",
        manifest_dir.join("../Cargo.lock").display()
    );

    let wit = spin_sdk_wit_dir(&workspace);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("spin_bindings.rs");
    // `bindgen!` wants a literal path, so the invocation itself is generated; `src/spin.rs`
    // includes it.
    let wit = wit.display().to_string().replace('\\', "/");
    let bindings = format!(
        r#"wasmtime::component::bindgen!({{
    path: {wit:?},
    inline: "
        package commerce:host;
        world spin-host {{
            import fermyon:spin/key-value@2.0.0;
            import fermyon:spin/sqlite@2.0.0;
            import fermyon:spin/variables@2.0.0;
        }}
    ",
    world: "commerce:host/spin-host",
    imports: {{ default: trappable }},
    with: {{
        "fermyon:spin/key-value.store": crate::key_value::OpenStore,
        "fermyon:spin/sqlite.connection": crate::sqlite::OpenConnection,
    }},
}});
"#
    );
    std::fs::write(&out, bindings).unwrap();
}

/// The `wit/` directory of the spin-sdk package that the workspace's Cargo.lock selects.
fn spin_sdk_wit_dir(workspace: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(workspace)
        .args(["--filter-platform", "wasm32-wasip2"])
        .output()
        .expect("running `cargo metadata` to locate spin-sdk");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let package = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["name"] == "spin-sdk" && p["version"].as_str().is_some_and(|v| v.starts_with("5."))
        })
        .expect("the workspace depends on spin-sdk 5.x (components/*/Cargo.toml)");
    let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
    let wit = manifest.parent().unwrap().join("wit");
    assert!(wit.join("deps").is_dir(), "{} has no WIT", wit.display());
    wit
}
