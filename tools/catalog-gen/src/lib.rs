//! A deterministic generator of realistic catalogs, as the JSON Lines that
//! `POST /admin/products/import` takes: first one line per category of a three-level tree,
//! then one line per product, with options (size, colour, …), one variant per combination,
//! prices in EUR, USD and GBP (some with compare-at prices), brand and material
//! attributes, images with alt text (drawn by [`art`]: one SVG per kind and colour), weights
//! and EAN-13 barcodes.
//!
//! Titles and descriptions are combined from the word lists in [`words`]: a model name, an
//! adjective, a material and a noun ("Harbour Relaxed Linen Oxford Shirt"), and sentences
//! about the material, the build and its care. The same `(products, seed)` always gives the
//! same bytes.

pub mod art;
pub mod post;
pub mod words;

use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::Write;
use words::{BRANDS, CATEGORIES, KINDS, Kind, LINES, MATERIALS, OPENINGS, Sizes};

/// SplitMix64: a small, fast, well-distributed generator; fully determined by its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.range(1, 100) <= percent
    }
}

/// The category lines, parents first.
pub fn category_lines() -> Vec<Value> {
    let mut positions: std::collections::HashMap<&str, u32> = Default::default();
    CATEGORIES
        .iter()
        .map(|(path, name)| {
            let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
            let position = positions.entry(parent).or_insert(0);
            let line = json!({"category": {"path": path, "name": name, "position": *position}});
            *position += 1;
            line
        })
        .collect()
}

/// A URL slug: lower-case ASCII letters and digits joined by single hyphens.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        let c = match c {
            'é' | 'è' => 'e',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') && c != '\'' {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// A SKU code for an option value: its letters and digits, upper case ("20 cm" -> "20CM",
/// "Sky Blue" -> "SKYBLU").
fn code(value: &str) -> String {
    let compact: String = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if value.contains(' ') && compact.chars().all(|c| c.is_ascii_alphabetic()) {
        // Two words of a colour: three letters of each.
        value
            .split(' ')
            .map(|w| {
                w.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(3)
                    .collect::<String>()
                    .to_uppercase()
            })
            .collect()
    } else {
        compact.chars().take(8).collect()
    }
}

/// An EAN-13 in the "restricted circulation" range 200–299 (for in-store numbering, never
/// a real manufacturer's), with its check digit.
pub fn ean13(n: u64) -> String {
    let body = format!("2{:011}", n % 100_000_000_000);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A price in minor units from whole `euros`, in the usual shop endings: EUR x.95,
/// USD and GBP x.99 after conversion.
fn prices(euros: u32) -> [(i64, &'static str); 3] {
    let eur = i64::from(euros) * 100 - 5;
    let usd = (i64::from(euros) * 109 + 99) / 100 * 100 - 1;
    let gbp = (i64::from(euros) * 86 + 99) / 100 * 100 - 1;
    [(eur, "EUR"), (usd, "USD"), (gbp, "GBP")]
}

fn money(list: &[(i64, &str)]) -> Value {
    list.iter()
        .map(|(amount, currency)| json!({"amount": amount, "currency": currency}))
        .collect()
}

/// The size values of a product: a run of consecutive sizes, and the price step of each.
fn size_values(rng: &mut Rng, sizes: Sizes) -> Vec<(String, u32)> {
    const APPAREL: [&str; 6] = ["XS", "S", "M", "L", "XL", "XXL"];
    const KIDS: [&str; 5] = ["2-3 Y", "4-5 Y", "6-7 Y", "8-9 Y", "10-11 Y"];
    match sizes {
        Sizes::Apparel => {
            let len = rng.range(3, 5) as usize;
            let start = rng.below(APPAREL.len() - len + 1);
            APPAREL[start..start + len]
                .iter()
                .map(|s| (s.to_string(), u32::from(*s == "XXL") * 3))
                .collect()
        }
        Sizes::Kids => {
            let len = rng.range(3, 5) as usize;
            let start = rng.below(KIDS.len() - len + 1);
            KIDS[start..start + len]
                .iter()
                .enumerate()
                .map(|(i, s)| (s.to_string(), (i as u32 / 2) * 2))
                .collect()
        }
        Sizes::Shoes(lo, hi) => {
            let len = rng.range(4, 5);
            let start = rng.range(lo, hi + 1 - len);
            (start..start + len).map(|s| (s.to_string(), 0)).collect()
        }
        Sizes::Steps(steps, step_euros) => {
            let len = rng.range(1, steps.len() as u32) as usize;
            let start = rng.below(steps.len() - len + 1);
            steps[start..start + len]
                .iter()
                .enumerate()
                .map(|(i, s)| (s.to_string(), i as u32 * step_euros))
                .collect()
        }
        Sizes::None => Vec::new(),
    }
}

/// Picks `n` distinct items.
fn distinct<'a>(rng: &mut Rng, items: &'a [&'a str], n: usize) -> Vec<&'a str> {
    let mut chosen: Vec<&str> = Vec::new();
    while chosen.len() < n.min(items.len()) {
        let item = *rng.pick(items);
        if !chosen.contains(&item) {
            chosen.push(item);
        }
    }
    chosen
}

fn fill(template: &str, title: &str, noun: &str, material: &str, adj: &str) -> String {
    template
        .replace("{title}", title)
        .replace("{noun}", &noun.to_lowercase())
        .replace("{material}", &material.to_lowercase())
        .replace("{adj}", &adj.to_lowercase())
}

/// Generates catalogs. Remembers slugs so every product gets a unique one.
pub struct Generator {
    rng: Rng,
    slugs: HashSet<String>,
    variants: u64,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Rng::new(seed),
            slugs: HashSet::new(),
            variants: 0,
        }
    }

    /// The import line of product number `index`.
    pub fn product(&mut self, index: usize) -> Value {
        let rng = &mut self.rng;
        let kind: &Kind = &KINDS[rng.below(KINDS.len())];
        let line = *rng.pick(LINES);
        let adj = *rng.pick(kind.adjectives);
        let (material, material_note) = MATERIALS[*rng.pick(kind.materials)];
        let noun = *rng.pick(kind.nouns);
        let brand = *rng.pick(BRANDS[kind.brands]);
        let title = format!("{line} {adj} {material} {noun}");
        let mut slug = slugify(&title);
        if !self.slugs.insert(slug.clone()) {
            slug = format!("{slug}-{index}");
            self.slugs.insert(slug.clone());
        }

        let opening: &str = rng.pick::<&str>(OPENINGS);
        let description = [
            fill(opening, &title, noun, material, adj),
            material_note.to_owned(),
            rng.pick(kind.features).to_string(),
            kind.care.to_owned(),
        ]
        .join(" ");

        let sizes = size_values(rng, kind.sizes);
        let colours = if kind.colours.is_empty() {
            Vec::new()
        } else {
            let n = rng.range(1, 3) as usize;
            distinct(rng, kind.colours, n)
        };
        let size_name = match kind.sizes {
            Sizes::Steps(..) => match kind.code {
                "TNT" => "capacity",
                "BPK" => "volume",
                "KNF" => "blade length",
                _ => "size",
            },
            _ => "size",
        };
        let mut options = Vec::new();
        if !sizes.is_empty() {
            options.push(size_name);
        }
        if !colours.is_empty() {
            options.push("colour");
        }

        let euros = rng.range(kind.euros.0, kind.euros.1);
        let on_sale = rng.chance(15);
        let sale_markup = rng.range(20, 40);
        let grams = rng.range(kind.grams.0, kind.grams.1);
        let status = match rng.range(1, 100) {
            1..=4 => "draft",
            5..=6 => "archived",
            _ => "published",
        };

        let size_list: Vec<Option<&(String, u32)>> = if sizes.is_empty() {
            vec![None]
        } else {
            sizes.iter().map(Some).collect()
        };
        let colour_list: Vec<Option<&str>> = if colours.is_empty() {
            vec![None]
        } else {
            colours.iter().copied().map(Some).collect()
        };
        let mut variants = Vec::new();
        for size in &size_list {
            for colour in &colour_list {
                self.variants += 1;
                let step = size.map_or(0, |(_, step)| *step);
                let price = prices(euros + step);
                let mut sku = format!("{}-{index:06}", kind.code);
                let mut values = Vec::new();
                let mut titles = Vec::new();
                if let Some((value, _)) = size {
                    sku.push('-');
                    sku.push_str(&code(value));
                    values.push(json!({"option": size_name, "value": value}));
                    titles.push(value.clone());
                }
                if let Some(colour) = colour {
                    sku.push('-');
                    sku.push_str(&code(colour));
                    values.push(json!({"option": "colour", "value": colour}));
                    titles.push(colour.to_string());
                }
                let compare_at: Vec<(i64, &str)> = if on_sale {
                    prices((euros + step) * (100 + sale_markup) / 100 + 1).to_vec()
                } else {
                    Vec::new()
                };
                variants.push(json!({
                    "sku": sku,
                    "title": if titles.is_empty() { "Default".to_owned() } else { titles.join(" / ") },
                    "options": values,
                    "prices": money(&price),
                    "compare_at_prices": money(&compare_at),
                    "weight_grams": grams + step * 10,
                    "barcode": ean13(self.variants),
                }));
            }
        }

        let images: Vec<Value> = if colours.is_empty() {
            art::VIEWS
                .iter()
                .map(|view| {
                    json!({
                        "url": art::image_url(kind, None, view),
                        "alt": format!("{title}, {view} view"),
                    })
                })
                .collect()
        } else {
            colours
                .iter()
                .map(|colour| {
                    json!({
                        "url": art::image_url(kind, Some(colour), "front"),
                        "alt": format!("{title} in {}", colour.to_lowercase()),
                    })
                })
                .collect()
        };

        json!({
            "slug": slug,
            "title": title,
            "description": description,
            "status": status,
            "images": images,
            "attributes": [
                {"name": "brand", "value": brand},
                {"name": "material", "value": material},
            ],
            "options": options,
            "variants": variants,
            "category_paths": [kind.category],
        })
    }
}

/// Writes the catalog of `products` products for `seed`: category lines, then products.
pub fn write_catalog(out: &mut impl Write, products: usize, seed: u64) -> std::io::Result<()> {
    for line in category_lines() {
        writeln!(out, "{line}")?;
    }
    let mut generator = Generator::new(seed);
    for i in 0..products {
        writeln!(out, "{}", generator.product(i))?;
    }
    Ok(())
}

/// The catalog as one string.
pub fn catalog(products: usize, seed: u64) -> String {
    let mut out = Vec::new();
    write_catalog(&mut out, products, seed).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("JSON is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barcodes_have_a_valid_check_digit() {
        // 4006381333931 is a well-known valid EAN-13; check our digit the same way.
        for n in [0, 1, 42, 99_999_999_999] {
            let code = ean13(n);
            assert_eq!(code.len(), 13);
            let digits: Vec<u32> = code.bytes().map(|b| u32::from(b - b'0')).collect();
            let sum: u32 = digits
                .iter()
                .enumerate()
                .map(|(i, d)| d * if i % 2 == 0 { 1 } else { 3 })
                .sum();
            assert_eq!(sum % 10, 0, "{code}");
        }
    }

    #[test]
    fn slugs_and_codes() {
        assert_eq!(
            slugify("Harbour Slim-Fit Linen Chef's Knife"),
            "harbour-slim-fit-linen-chefs-knife"
        );
        assert_eq!(code("20 cm"), "20CM");
        assert_eq!(code("Sky Blue"), "SKYBLU");
        assert_eq!(code("2-3 Y"), "23Y");
    }

    #[test]
    fn the_same_seed_gives_the_same_catalog_and_another_seed_another() {
        assert_eq!(catalog(50, 7), catalog(50, 7));
        assert_ne!(catalog(50, 7), catalog(50, 8));
    }

    #[test]
    fn slugs_and_skus_are_unique_at_scale() {
        let mut g = Generator::new(3);
        let mut slugs = HashSet::new();
        let mut skus = HashSet::new();
        for i in 0..20_000 {
            let p = g.product(i);
            assert!(slugs.insert(p["slug"].as_str().unwrap().to_owned()));
            for v in p["variants"].as_array().unwrap() {
                assert!(skus.insert(v["sku"].as_str().unwrap().to_owned()));
            }
        }
    }
}
