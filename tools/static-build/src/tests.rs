//! The planner on a small site held in memory.

use super::*;
use std::io::Read;

fn site(files: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    files
        .iter()
        .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
        .collect()
}

fn fixture() -> BTreeMap<String, Vec<u8>> {
    let mut s = site(&[
        (
            "index.html",
            r#"<!doctype html><html><head><title>Shop</title>
<link rel="stylesheet" href="/assets/css/site.css">
<link rel="modulepreload" href="assets/js/app.js">
<script type="module" src="assets/js/app.js"></script>
</head><body><img src="/images/p1.jpg" alt=""><a href="/cart">Cart</a>
<img src="/assets/img/logo.svg" alt="Shop"></body></html>
"#,
        ),
        ("cart.html", "<!doctype html><title>Cart</title>"),
        (
            "assets/css/base.css",
            "body { background: url(../img/bg.png); }\n",
        ),
        (
            "assets/css/site.css",
            "@import \"base.css\";\n.logo { background: url(\"/assets/img/logo.svg#mark\") }\n",
        ),
        (
            "assets/img/logo.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>logo</title></svg>\n",
        ),
        (
            "assets/js/app.js",
            "import { money } from \"./lib/util.js\";\nimport { cart } from '../js/cart.js';\nexport const app = () => cart(money(1));\n",
        ),
        (
            "assets/js/cart.js",
            "import { money } from \"./lib/util.js\";\nexport const cart = (m) => m;\n",
        ),
        (
            "assets/js/lib/util.js",
            "export const money = (n) => `${n} EUR`;\n",
        ),
        ("favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
    ]);
    s.insert(
        "assets/img/bg.png".into(),
        vec![0x89, b'P', b'N', b'G', 0, 1, 2, 3],
    );
    s.insert("images/p1.jpg".into(), vec![0xff, 0xd8, 0xff, 0xe0]);
    s
}

fn text(site: &Site, path: &str) -> String {
    String::from_utf8(site.files[path].clone()).unwrap()
}

fn out_name(site: &Site, logical: &str) -> String {
    site.manifest[logical].trim_start_matches('/').to_string()
}

#[test]
fn assets_get_the_hash_of_their_final_content_in_their_name() {
    let s = plan(&fixture()).unwrap();
    assert_eq!(s.manifest.len(), 7, "{:?}", s.manifest);
    for (logical, fingerprinted) in &s.manifest {
        let bytes = &s.files[fingerprinted.trim_start_matches('/')];
        let hash = &sha256_hex(bytes)[..10];
        assert_eq!(web_kit::fingerprint_of(fingerprinted), Some(hash));
        let want = web_kit::fingerprinted_name(logical.rsplit('/').next().unwrap(), hash).unwrap();
        assert!(
            fingerprinted.ends_with(&format!("/{want}")),
            "{logical} → {fingerprinted}"
        );
        assert!(
            !s.files.contains_key(logical.trim_start_matches('/')),
            "{logical} is renamed"
        );
    }
    // Files outside assets/ keep their names.
    for kept in ["index.html", "cart.html", "favicon.svg", "images/p1.jpg"] {
        assert!(s.files.contains_key(kept), "{kept}");
    }
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn references_point_at_fingerprinted_names_in_the_form_they_were_written() {
    let s = plan(&fixture()).unwrap();
    let file = |logical: &str| {
        out_name(&s, logical)
            .rsplit('/')
            .next()
            .unwrap()
            .to_string()
    };
    let index = text(&s, "index.html");
    assert!(index.contains(&format!(
        r#"href="/assets/css/{}""#,
        file("/assets/css/site.css")
    )));
    assert!(index.contains(&format!(r#"src="assets/js/{}""#, file("/assets/js/app.js"))));
    assert!(index.contains(&format!(
        r#"href="assets/js/{}""#,
        file("/assets/js/app.js")
    )));
    assert!(index.contains(&format!(
        r#"src="/assets/img/{}""#,
        file("/assets/img/logo.svg")
    )));
    assert!(index.contains(r#"src="/images/p1.jpg""#) && index.contains(r#"href="/cart""#));

    let site_css = text(&s, &out_name(&s, "/assets/css/site.css"));
    assert!(site_css.contains(&format!("@import \"{}\";", file("/assets/css/base.css"))));
    assert!(site_css.contains(&format!(
        "url(\"/assets/img/{}#mark\")",
        file("/assets/img/logo.svg")
    )));
    let base_css = text(&s, &out_name(&s, "/assets/css/base.css"));
    assert!(base_css.contains(&format!("url(../img/{})", file("/assets/img/bg.png"))));

    let app = text(&s, &out_name(&s, "/assets/js/app.js"));
    assert!(app.contains(&format!(
        "from \"./lib/{}\"",
        file("/assets/js/lib/util.js")
    )));
    assert!(app.contains(&format!("from '../js/{}'", file("/assets/js/cart.js"))));
}

#[test]
fn a_change_renames_the_file_and_everything_that_references_it() {
    let before = plan(&fixture()).unwrap();
    let mut input = fixture();
    input.insert(
        "assets/js/lib/util.js".into(),
        b"export const money = (n) => `${n} GBP`;\n".to_vec(),
    );
    let after = plan(&input).unwrap();
    for changed in [
        "/assets/js/lib/util.js",
        "/assets/js/cart.js",
        "/assets/js/app.js",
    ] {
        assert_ne!(
            before.manifest[changed], after.manifest[changed],
            "{changed}"
        );
    }
    for same in [
        "/assets/css/site.css",
        "/assets/css/base.css",
        "/assets/img/bg.png",
    ] {
        assert_eq!(before.manifest[same], after.manifest[same], "{same}");
    }
    assert_ne!(before.files["index.html"], after.files["index.html"]);
    assert_eq!(before.files["cart.html"], after.files["cart.html"]);
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = plan(&fixture()).unwrap();
    let b = plan(&fixture()).unwrap();
    assert_eq!(a.files, b.files);
    let manifest: BTreeMap<String, String> =
        serde_json::from_slice(&a.files["asset-manifest.json"]).unwrap();
    assert_eq!(manifest, a.manifest);
}

#[test]
fn modules_importing_each_other_in_a_cycle_are_refused_by_name() {
    let mut input = fixture();
    input.insert(
        "assets/js/lib/util.js".into(),
        b"import './../cart.js';\nexport const money = 1;\n".to_vec(),
    );
    let err = plan(&input).unwrap_err().to_string();
    assert!(
        err.contains("assets/js/cart.js → assets/js/lib/util.js → assets/js/cart.js"),
        "{err}"
    );
}

#[test]
fn text_gets_smaller_variants_and_binaries_none() {
    let mut input = fixture();
    let css = ".product-card { display: grid; gap: 1rem; }\n".repeat(40);
    input.insert("assets/css/cards.css".into(), css.clone().into_bytes());
    let s = plan(&input).unwrap();
    let name = out_name(&s, "/assets/css/cards.css");
    let mut back = String::new();
    brotli::Decompressor::new(&s.files[&format!("{name}.br")][..], 4096)
        .read_to_string(&mut back)
        .unwrap();
    assert_eq!(back, css);
    back.clear();
    flate2::read::GzDecoder::new(&s.files[&format!("{name}.gz")][..])
        .read_to_string(&mut back)
        .unwrap();
    assert_eq!(back, css);
    // Too small for gzip's 18 bytes of framing to pay (brotli's built-in dictionary may
    // still gain on a short page), or not text: no variant.
    assert!(!s.files.contains_key("cart.html.gz"));
    assert!(!s.files.keys().any(|k| k.starts_with("images/p1.jpg.")));
    for (path, bytes) in &s.files {
        if let Some(original) = path.strip_suffix(".br").or(path.strip_suffix(".gz")) {
            assert!(bytes.len() < s.files[original].len(), "{path}");
        }
    }
}

#[test]
fn an_empty_site_is_just_an_empty_manifest() {
    let s = plan(&BTreeMap::new()).unwrap();
    assert_eq!(s.files.keys().collect::<Vec<_>>(), ["asset-manifest.json"]);
    assert_eq!(s.files["asset-manifest.json"], b"{}\n");
}

#[test]
fn reserved_names_and_missing_references() {
    for reserved in ["assets/a.css.gz", "x.html.br", "asset-manifest.json"] {
        let err = plan(&site(&[(reserved, "x")])).unwrap_err().to_string();
        assert!(err.contains("reserved"), "{reserved}: {err}");
    }
    let s = plan(&site(&[
        (
            "a.html",
            r#"<link href="/assets/css/gone.css"><a href="/products/x">x</a>"#,
        ),
        ("assets/js/a.js", "import './gone.js'; import 'lit';"),
    ]))
    .unwrap();
    assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
    assert!(s.warnings[0].contains("assets/css/gone.css"));
    assert!(s.warnings[1].contains("assets/js/gone.js"));
}

#[test]
fn build_writes_the_output_tree_and_refuses_nested_directories() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("static");
    for (path, bytes) in fixture() {
        let p = src.join(&path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    std::fs::write(src.join(".DS_Store"), "hidden").unwrap();
    let out = dir.path().join("out");
    let report = build(&src, &out).unwrap();
    assert_eq!(report.fingerprinted, 7);
    assert_eq!(report.changes.written, report.files);
    let manifest: BTreeMap<String, String> =
        serde_json::from_slice(&std::fs::read(out.join("asset-manifest.json")).unwrap()).unwrap();
    assert!(
        out.join(manifest["/assets/js/app.js"].trim_start_matches('/'))
            .is_file()
    );
    assert!(!out.join(".DS_Store").exists());
    assert_eq!(build(&src, &out).unwrap().changes.written, 0);
    assert!(build(&src, &src.join("out")).is_err());
    assert!(build(&src, dir.path()).is_err());
}
