//! Product pictures for the demo catalog: small, deterministic SVG illustrations, one per
//! shape (a kind of product: t-shirt, boot, tent, …) and colour, shared by every product of
//! that shape and colour. Each is a flat drawing in the product's colour on a tint of it,
//! with a short label, about a kilobyte, with a `viewBox` and an intrinsic size
//! ([`SIZE`] × [`SIZE`]) so pages can reserve its space.
//!
//! Kinds without a colour option (cookware, knives, garden tools, planters) get two views
//! in a colour of their own: `front` and a zoomed-in `detail`.
//!
//! [`images`] lists every file (a pure function of the word lists, not of a catalog size or
//! seed, so any generated catalog finds its pictures); `catalog-gen --images static/images`
//! writes them, and [`image_url`] is what the catalog's image URLs point at.

use crate::slugify;
use crate::words::{KINDS, Kind};

/// Width and height of every picture, in CSS pixels.
pub const SIZE: u32 = 400;

/// Where the pictures are served from (under the file server's root).
pub const URL_PREFIX: &str = "/images/products/";

/// The two views of a product without a colour option.
pub const VIEWS: [&str; 2] = ["front", "detail"];

/// The drawing of a kind and the word its label uses.
struct Shape {
    name: &'static str,
    label: &'static str,
    /// The colour of kinds without a colour option.
    own_colour: &'static str,
    /// The `viewBox` of the closer `detail` view of kinds without a colour option.
    detail: &'static str,
    /// SVG elements; `{F}` is the product's colour, `{D}` a darker (or, on dark colours,
    /// lighter) shade of it, `{S}` the outline.
    parts: &'static str,
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "t-shirt",
        label: "T-shirt",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M140 70 110 80 60 130l35 40 30-25v185h150V145l30 25 35-40-50-50-30-10q-60 40-120 0Z" fill="{F}" stroke="{S}"/><path d="M140 70q60 40 120 0" fill="none" stroke="{D}" stroke-width="8"/>"##,
    },
    Shape {
        name: "shirt",
        label: "Shirt",
        own_colour: "",
        detail: "",
        parts: r##"<path d="m145 65-40 15-35 220 35 5 25-145v175h140V160l25 145 35-5-35-220-40-15-55 35Z" fill="{F}" stroke="{S}"/><path d="m145 65 55 35 55-35-20-7-35 27-35-27Z" fill="{D}" stroke="{S}"/><path d="M200 100v235" stroke="{D}" stroke-width="4"/>"##,
    },
    Shape {
        name: "jumper",
        label: "Knitwear",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M145 70q55 30 110 0l45 15 35 215-35 8-28-138v150H128V170l-28 138-35-8 35-215Z" fill="{F}" stroke="{S}"/><path d="M128 300h144v25H128Z" fill="{D}" stroke="{S}"/><path d="M150 72q50 26 100 0" fill="none" stroke="{D}" stroke-width="10"/>"##,
    },
    Shape {
        name: "jacket",
        label: "Jacket",
        own_colour: "",
        detail: "",
        parts: r##"<path d="m140 65-40 15-30 225 35 5 25-140v165h140V170l25 140 35-5-30-225-40-15-60 45Z" fill="{F}" stroke="{S}"/><path d="m140 65 60 45 60-45-10-15-50 30-50-30Z" fill="{D}" stroke="{S}"/><path d="M200 110v225M150 260h30m40 0h30" stroke="{D}" stroke-width="5"/>"##,
    },
    Shape {
        name: "trousers",
        label: "Trousers",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M130 60h140l15 280h-65l-20-190-20 190h-65Z" fill="{F}" stroke="{S}"/><path d="M130 60h140l1 20H129Z" fill="{D}" stroke="{S}"/>"##,
    },
    Shape {
        name: "dress",
        label: "Dress",
        own_colour: "",
        detail: "",
        parts: r##"<path d="m165 60-15 70 25 20-65 190h180l-65-190 25-20-15-70q-35 25-70 0Z" fill="{F}" stroke="{S}"/><path d="M168 140h64l6 16h-76Z" fill="{D}"/>"##,
    },
    Shape {
        name: "skirt",
        label: "Skirt",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M145 90h110l45 230H100Z" fill="{F}" stroke="{S}"/><path d="M145 90h110l3 20H142Z" fill="{D}" stroke="{S}"/><path d="m180 110-20 210m60-210 20 210" stroke="{D}" stroke-width="4"/>"##,
    },
    Shape {
        name: "hoodie",
        label: "Hoodie",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M145 75q55 30 110 0l45 15 35 210-35 8-28-135v147H128V173l-28 135-35-8 35-210Z" fill="{F}" stroke="{S}"/><path d="M150 78q50-60 100 0-50 35-100 0Z" fill="{D}" stroke="{S}"/><path d="M155 250h90l15 50H140Z" fill="{D}" stroke="{S}"/>"##,
    },
    Shape {
        name: "sneaker",
        label: "Sneaker",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M60 230q0-60 50-70l60-10q30 40 80 50l70 15q30 10 25 40v15H60Z" fill="{F}" stroke="{S}"/><path d="M55 265h295v25q-150 10-295 0Z" fill="{D}" stroke="{S}"/><path d="m150 175 20 30m0-40 20 30m0-30 20 30" stroke="{D}" stroke-width="5"/>"##,
    },
    Shape {
        name: "boot",
        label: "Boot",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M130 80h90l5 140q75 5 105 35v35H120v-60Z" fill="{F}" stroke="{S}"/><path d="M115 285h220v25H115Z" fill="{D}" stroke="{S}"/><path d="M130 100h90" stroke="{D}" stroke-width="8"/>"##,
    },
    Shape {
        name: "sandal",
        label: "Sandal",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M80 270q-10-30 30-35l200-10q35 5 30 35-10 25-40 25l-190 5q-25 0-30-20Z" fill="{D}" stroke="{S}"/><path d="M150 245q35-80 70-5m20-5q30-55 60 0" fill="none" stroke="{F}" stroke-width="22" stroke-linecap="round"/>"##,
    },
    Shape {
        name: "pan",
        label: "Cookware",
        own_colour: "#50555b",
        detail: "200 130 180 150",
        parts: r##"<circle cx="170" cy="205" r="110" fill="{F}" stroke="{S}"/><circle cx="170" cy="205" r="88" fill="{D}"/><path d="m272 190 98-15 5 22-101 25Z" fill="{D}" stroke="{S}"/>"##,
    },
    Shape {
        name: "knife",
        label: "Knife",
        own_colour: "#a9b1b8",
        detail: "200 150 160 140",
        parts: r##"<path d="m50 235 200-35v40q-110 15-200-5Z" fill="{F}" stroke="{S}"/><path d="M250 196h100q12 22 0 46H250Z" fill="#5b4330" stroke="{S}"/><circle cx="280" cy="219" r="5" fill="{F}"/><circle cx="320" cy="219" r="5" fill="{F}"/>"##,
    },
    Shape {
        name: "plate",
        label: "Tableware",
        own_colour: "",
        detail: "",
        parts: r##"<circle cx="200" cy="200" r="130" fill="{F}" stroke="{S}"/><circle cx="200" cy="200" r="85" fill="none" stroke="{D}" stroke-width="6"/>"##,
    },
    Shape {
        name: "cushion",
        label: "Cushion",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M90 110q110-20 220 0 20 90 0 180-110 20-220 0-20-90 0-180Z" fill="{F}" stroke="{S}"/><path d="M110 130q90-15 180 0 15 70 0 140-90 15-180 0-15-70 0-140Z" fill="none" stroke="{D}" stroke-width="4" stroke-dasharray="10 8"/>"##,
    },
    Shape {
        name: "throw",
        label: "Throw",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M80 150h240v150H80Z" fill="{F}" stroke="{S}"/><path d="M80 150h240v40H80Z" fill="{D}" stroke="{S}"/><path d="M90 300v18m20-18v18m20-18v18m20-18v18m20-18v18m20-18v18m20-18v18m20-18v18m20-18v18m20-18v18m20-18v18m20-18v18" stroke="{D}" stroke-width="4"/>"##,
    },
    Shape {
        name: "lamp",
        label: "Lamp",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M140 70h120l40 100H100Z" fill="{F}" stroke="{S}"/><path d="M194 170h12v130h-12Zm-54 130h120v20H140Z" fill="{D}" stroke="{S}"/>"##,
    },
    Shape {
        name: "towel",
        label: "Towel",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M110 90h180v230H110Z" fill="{F}" stroke="{S}"/><path d="M110 265h180v12H110Zm0 22h180v8H110Z" fill="{D}"/>"##,
    },
    Shape {
        name: "tent",
        label: "Tent",
        own_colour: "",
        detail: "",
        parts: r##"<path d="m200 80 140 220H60Z" fill="{F}" stroke="{S}"/><path d="m200 80 40 220h-80Z" fill="{D}" stroke="{S}"/><path d="M40 300h320" stroke="{S}" stroke-width="4"/>"##,
    },
    Shape {
        name: "sleeping-bag",
        label: "Sleeping bag",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M140 60q60-20 120 0l20 240q-80 40-160 0Z" fill="{F}" stroke="{S}"/><ellipse cx="200" cy="95" rx="42" ry="28" fill="{D}"/><path d="M130 160q70 15 140 0m-136 60q66 15 132 0" fill="none" stroke="{D}" stroke-width="5"/>"##,
    },
    Shape {
        name: "backpack",
        label: "Backpack",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M120 100q0-30 30-30h100q30 0 30 30l5 220H115Z" fill="{F}" stroke="{S}"/><path d="M120 100q80-40 160 0v50H120Z" fill="{D}" stroke="{S}"/><path d="M150 220h100v80H150Z" fill="{D}" stroke="{S}"/>"##,
    },
    Shape {
        name: "trowel",
        label: "Garden tool",
        own_colour: "#4f7a3a",
        detail: "130 50 140 140",
        parts: r##"<path d="M160 60q70 20 60 130h-40q-50-70-20-130Z" fill="#a9b1b8" stroke="{S}"/><path d="M188 190h24l3 140h-30Z" fill="{F}" stroke="{S}"/><circle cx="200" cy="312" r="6" fill="{D}"/>"##,
    },
    Shape {
        name: "planter",
        label: "Planter",
        own_colour: "#b8643f",
        detail: "90 30 220 220",
        parts: r##"<path d="M200 140q-60-70-20-100 30 30 20 100 10-80 60-90 10 50-60 90Z" fill="#3f7a3a" stroke="{S}"/><path d="M110 160h180l-25 160H135Z" fill="{F}" stroke="{S}"/><path d="M100 140h200v30H100Z" fill="{D}" stroke="{S}"/>"##,
    },
    Shape {
        name: "tote",
        label: "Tote bag",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M150 150q0-80 50-80t50 80" fill="none" stroke="{D}" stroke-width="14"/><path d="M100 150h200l-10 180H110Z" fill="{F}" stroke="{S}"/>"##,
    },
    Shape {
        name: "wallet",
        label: "Wallet",
        own_colour: "",
        detail: "",
        parts: r##"<rect x="80" y="130" width="240" height="160" rx="14" fill="{F}" stroke="{S}"/><path d="M80 144q0-14 14-14h212q14 0 14 14v56H80Z" fill="{D}" stroke="{S}"/><circle cx="200" cy="200" r="10" fill="{F}" stroke="{S}"/>"##,
    },
    Shape {
        name: "beanie",
        label: "Beanie",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M100 260q0-150 100-150t100 150Z" fill="{F}" stroke="{S}"/><path d="M95 250h210v50H95Z" fill="{D}" stroke="{S}"/><circle cx="200" cy="95" r="25" fill="{D}" stroke="{S}"/>"##,
    },
    Shape {
        name: "cap",
        label: "Cap",
        own_colour: "",
        detail: "",
        parts: r##"<path d="M90 230q0-110 110-110t110 110Z" fill="{F}" stroke="{S}"/><path d="m200 225 150 15q5 20-20 22l-130-12Z" fill="{D}" stroke="{S}"/><circle cx="200" cy="120" r="9" fill="{D}"/>"##,
    },
];

/// The shape each kind is drawn with, by its SKU code.
fn shape_of(kind: &Kind) -> &'static Shape {
    let name = match kind.code {
        "MTS" | "WTS" | "KTS" => "t-shirt",
        "MSH" => "shirt",
        "MKN" | "WKN" => "jumper",
        "MJK" | "WJK" => "jacket",
        "MTR" => "trousers",
        "WDR" => "dress",
        "WSK" => "skirt",
        "KHD" => "hoodie",
        "MSN" | "WSN" => "sneaker",
        "MBT" | "WBT" => "boot",
        "WSD" => "sandal",
        "CKW" => "pan",
        "KNF" => "knife",
        "TBW" => "plate",
        "CSH" => "cushion",
        "THR" => "throw",
        "LMP" => "lamp",
        "TWL" => "towel",
        "TNT" => "tent",
        "SLB" => "sleeping-bag",
        "BPK" => "backpack",
        "GTL" => "trowel",
        "PLT" => "planter",
        "TOT" => "tote",
        "WLT" => "wallet",
        "BNI" => "beanie",
        "CAP" => "cap",
        other => panic!("kind {other} has no shape: add it to art::shape_of"),
    };
    SHAPES
        .iter()
        .find(|s| s.name == name)
        .expect("every named shape is in SHAPES")
}

/// The colour (as `#rrggbb`) a colour name is drawn in.
fn hex(colour: &str) -> &'static str {
    match colour {
        "Navy" => "#1f2a44",
        "Black" => "#1b1b1b",
        "White" => "#fbfbfa",
        "Oatmeal" => "#d8cbb3",
        "Olive" => "#6b6b2f",
        "Rust" => "#a4471f",
        "Charcoal" => "#3a3d40",
        "Sky Blue" => "#8cc2e8",
        "Forest Green" => "#24553a",
        "Burgundy" => "#6d1a2c",
        "Sand" => "#d9c39a",
        "Ecru" => "#efe8d6",
        "Tan" => "#c08a55",
        "Chestnut" => "#7b3f1d",
        "Grey" => "#8d9093",
        "Ochre" => "#c8932b",
        "Sage" => "#9cab8a",
        "Terracotta" => "#c1633f",
        "Ivory" => "#f6f0e1",
        "Slate" => "#5a6673",
        "Dusty Pink" => "#d7a6a6",
        "Midnight" => "#1d2340",
        "Moss" => "#5d6b34",
        "Orange" => "#e0701f",
        "Red" => "#c0262d",
        "Brass" => "#b5913c",
        "Matt Black" => "#262626",
        "Chalk White" => "#f2f0ea",
        other => panic!("colour {other:?} has no drawing colour: add it to art::hex"),
    }
}

fn rgb(hex: &str) -> [f64; 3] {
    let channel = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0));
    [channel(1), channel(3), channel(5)]
}

fn to_hex(c: [f64; 3]) -> String {
    let byte = |v: f64| v.round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", byte(c[0]), byte(c[1]), byte(c[2]))
}

/// `a` moved towards `b` by `t` (0 to 1).
fn mix(a: [f64; 3], b: [f64; 3], t: f64) -> [f64; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// Relative luminance (WCAG), 0 for black to 1 for white.
fn luminance(c: [f64; 3]) -> f64 {
    let lin = |v: f64| {
        let s = v / 255.0;
        if s <= 0.039_28 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

/// One picture: `shape` in `colour` (a `#rrggbb`), labelled `label`; the `detail` view is
/// the same drawing seen closer.
fn svg(shape: &Shape, colour: &str, label: &str, detail: bool) -> String {
    const WHITE: [f64; 3] = [255.0, 255.0, 255.0];
    const BLACK: [f64; 3] = [0.0, 0.0, 0.0];
    const PAPER: [f64; 3] = [245.0, 243.0, 239.0];
    let fill = rgb(colour);
    let light = luminance(fill) > 0.6;
    let background = if light {
        "#e4e0d8".to_owned()
    } else {
        to_hex(mix(fill, PAPER, 0.84))
    };
    let shade = if luminance(fill) < 0.05 {
        mix(fill, WHITE, 0.3)
    } else {
        mix(fill, BLACK, 0.28)
    };
    let parts = shape
        .parts
        .replace("{F}", colour)
        .replace("{D}", &to_hex(shade))
        .replace("{S}", "#2b2b2b");
    let view_box = if detail {
        shape.detail.to_owned()
    } else {
        format!("0 0 {SIZE} {SIZE}")
    };
    let caption = if detail {
        String::new()
    } else {
        format!(
            r##"<text x="200" y="376" text-anchor="middle" font-family="system-ui,sans-serif" font-size="22" fill="#333">{label}</text>"##
        )
    };
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="{view_box}"><rect x="0" y="0" width="{SIZE}" height="{SIZE}" fill="{background}"/><g stroke-width="3" stroke-linejoin="round">{parts}</g>{caption}</svg>
"#
    )
}

/// The file name (under [`URL_PREFIX`]) of a kind's picture in `colour`, or in its own
/// colour from `view` ("front" or "detail") for kinds without colours.
fn file_name(kind: &Kind, colour: Option<&str>, view: &str) -> String {
    let shape = shape_of(kind);
    match colour {
        Some(colour) => format!("{}-{}.svg", shape.name, slugify(colour)),
        None => format!("{}-{view}.svg", shape.name),
    }
}

/// The URL of a kind's picture: in `colour`, or (kinds without colours) the `view`.
pub fn image_url(kind: &Kind, colour: Option<&str>, view: &str) -> String {
    format!("{URL_PREFIX}{}", file_name(kind, colour, view))
}

/// Every picture a catalog may point at, as (file name under [`URL_PREFIX`], SVG text),
/// sorted by name, each once.
pub fn images() -> Vec<(String, String)> {
    let mut files: std::collections::BTreeMap<String, String> = Default::default();
    for kind in KINDS {
        let shape = shape_of(kind);
        if kind.colours.is_empty() {
            for view in VIEWS {
                let label = shape.label.to_owned();
                let text = svg(shape, shape.own_colour, &label, view == "detail");
                files.insert(file_name(kind, None, view), text);
            }
        } else {
            for colour in kind.colours {
                let label = format!("{} · {colour}", shape.label);
                let text = svg(shape, hex(colour), &label, false);
                files.insert(file_name(kind, Some(colour), "front"), text);
            }
        }
    }
    files.into_iter().collect()
}

/// Writes every picture into `dir/products/`, replacing that folder's SVG files, so it
/// holds exactly the current set.
pub fn write_images(dir: &std::path::Path) -> std::io::Result<usize> {
    let products = dir.join("products");
    std::fs::create_dir_all(&products)?;
    for entry in std::fs::read_dir(&products)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "svg") {
            std::fs::remove_file(path)?;
        }
    }
    let images = images();
    for (name, text) in &images {
        std::fs::write(products.join(name), text)?;
    }
    Ok(images.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_colour_has_a_small_picture() {
        let images = images();
        assert!(images.len() > 100 && images.len() < 400, "{}", images.len());
        for (name, text) in &images {
            assert!(text.len() < 2048, "{name} is {} bytes", text.len());
            assert!(text.starts_with("<svg ") && text.contains("viewBox="));
            assert!(!text.contains('{'), "{name} has an unfilled placeholder");
            assert!(!text.contains(r#"viewBox="""#), "{name} has no viewBox");
        }
        for kind in KINDS {
            for colour in kind.colours {
                let url = image_url(kind, Some(colour), "front");
                let name = url.strip_prefix(URL_PREFIX).unwrap();
                assert!(images.iter().any(|(n, _)| n == name), "{url}");
            }
        }
    }

    #[test]
    fn shades_stay_in_range() {
        assert_eq!(to_hex(mix(rgb("#000000"), [255.0; 3], 1.0)), "#ffffff");
        assert!(luminance(rgb("#ffffff")) > 0.99 && luminance(rgb("#000000")) < 0.01);
    }
}
