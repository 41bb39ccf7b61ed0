//! The word lists the catalog is made of: the category tree, and for each leaf category the
//! kind of product sold there (nouns, materials, options, price and weight ranges).

/// A category of the tree: path (slugs joined by '/') and display name. Parents come
/// before their children; siblings are in display order.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("clothing", "Clothing"),
    ("clothing/men", "Men"),
    ("clothing/men/t-shirts", "T-shirts"),
    ("clothing/men/shirts", "Shirts"),
    ("clothing/men/knitwear", "Knitwear"),
    ("clothing/men/jackets", "Jackets & coats"),
    ("clothing/men/trousers", "Trousers"),
    ("clothing/women", "Women"),
    ("clothing/women/t-shirts", "T-shirts"),
    ("clothing/women/dresses", "Dresses"),
    ("clothing/women/knitwear", "Knitwear"),
    ("clothing/women/jackets", "Jackets & coats"),
    ("clothing/women/skirts", "Skirts"),
    ("clothing/kids", "Kids"),
    ("clothing/kids/hoodies", "Hoodies"),
    ("clothing/kids/t-shirts", "T-shirts"),
    ("footwear", "Footwear"),
    ("footwear/men", "Men"),
    ("footwear/men/sneakers", "Sneakers"),
    ("footwear/men/boots", "Boots"),
    ("footwear/women", "Women"),
    ("footwear/women/sneakers", "Sneakers"),
    ("footwear/women/boots", "Boots"),
    ("footwear/women/sandals", "Sandals"),
    ("home", "Home & kitchen"),
    ("home/kitchen", "Kitchen"),
    ("home/kitchen/cookware", "Cookware"),
    ("home/kitchen/knives", "Knives"),
    ("home/kitchen/tableware", "Tableware"),
    ("home/living", "Living"),
    ("home/living/cushions", "Cushions"),
    ("home/living/throws", "Throws & blankets"),
    ("home/living/lamps", "Lamps"),
    ("home/bath", "Bath"),
    ("home/bath/towels", "Towels"),
    ("outdoor", "Outdoor"),
    ("outdoor/camping", "Camping"),
    ("outdoor/camping/tents", "Tents"),
    ("outdoor/camping/sleeping-bags", "Sleeping bags"),
    ("outdoor/camping/backpacks", "Backpacks"),
    ("outdoor/garden", "Garden"),
    ("outdoor/garden/tools", "Garden tools"),
    ("outdoor/garden/planters", "Planters"),
    ("accessories", "Accessories"),
    ("accessories/bags", "Bags"),
    ("accessories/bags/totes", "Totes"),
    ("accessories/bags/wallets", "Wallets"),
    ("accessories/headwear", "Headwear"),
    ("accessories/headwear/beanies", "Beanies"),
    ("accessories/headwear/caps", "Caps"),
];

/// Which values a product's options take.
#[derive(Clone, Copy)]
pub enum Sizes {
    /// XS … XXL, a run of 3 to 5 consecutive sizes.
    Apparel,
    /// Children's ages.
    Kids,
    /// EU shoe sizes, a run of 4 to 6.
    Shoes(u32, u32),
    /// Named sizes, each step dearer than the last (e.g. pan diameters).
    Steps(&'static [&'static str], u32),
    /// One size: no size option.
    None,
}

/// A kind of product, sold in one leaf category.
pub struct Kind {
    /// The leaf category path.
    pub category: &'static str,
    /// Three letters for SKUs.
    pub code: &'static str,
    /// What it is, as the title ends ("T-shirt").
    pub nouns: &'static [&'static str],
    /// Words in front of the material ("Relaxed").
    pub adjectives: &'static [&'static str],
    /// Indexes into [`MATERIALS`].
    pub materials: &'static [usize],
    pub sizes: Sizes,
    /// Colours to choose 1 to 3 from; empty: no colour option.
    pub colours: &'static [&'static str],
    /// Price range in whole euros.
    pub euros: (u32, u32),
    /// Weight range in grams.
    pub grams: (u32, u32),
    /// Sentences about the product's build, one picked per product.
    pub features: &'static [&'static str],
    /// Which brands make it: an index into [`BRANDS`].
    pub brands: usize,
    /// How to look after it.
    pub care: &'static str,
}

/// A material: its name in titles and a sentence about it.
pub const MATERIALS: &[(&str, &str)] = &[
    /* 0 */
    (
        "Organic Cotton",
        "The organic cotton is grown without synthetic pesticides and gets softer with every wash.",
    ),
    /* 1 */
    (
        "Merino Wool",
        "Fine merino wool keeps you warm without bulk, breathes well and resists odours.",
    ),
    /* 2 */
    (
        "Linen",
        "Washed linen is light, cool on warm days and takes on a soft, lived-in texture.",
    ),
    /* 3 */
    (
        "Recycled Polyester",
        "The recycled polyester is spun from post-consumer bottles and dries quickly.",
    ),
    /* 4 */
    (
        "Waxed Canvas",
        "Waxed cotton canvas sheds light rain and wears in with a handsome patina.",
    ),
    /* 5 */
    (
        "Full-Grain Leather",
        "Full-grain leather, vegetable tanned in Portugal, darkens gracefully with use.",
    ),
    /* 6 */
    (
        "Suede",
        "Soft suede with a water-repellent finish keeps its colour through the seasons.",
    ),
    /* 7 */
    (
        "Denim",
        "Twelve-ounce denim woven on traditional looms fades to a character of its own.",
    ),
    /* 8 */
    (
        "Cashmere Blend",
        "A cashmere and wool blend gives a soft hand and keeps its shape wear after wear.",
    ),
    /* 9 */
    (
        "Stainless Steel",
        "Tri-ply stainless steel spreads heat evenly and works on every hob, induction included.",
    ),
    /* 10 */
    (
        "Cast Iron",
        "Pre-seasoned cast iron holds heat for searing and goes from hob to oven to table.",
    ),
    /* 11 */
    (
        "Carbon Steel",
        "High-carbon steel takes a keen edge and is easy to hone back to sharpness.",
    ),
    /* 12 */
    (
        "Stoneware",
        "Reactive-glazed stoneware is fired at high temperature, so each piece varies slightly.",
    ),
    /* 13 */
    (
        "Porcelain",
        "Thin, bright porcelain is chip resistant and light in the hand.",
    ),
    /* 14 */
    (
        "Velvet",
        "Cotton velvet with a deep pile catches the light and feels soft to the touch.",
    ),
    /* 15 */
    (
        "Wool Boucle",
        "Looped wool boucle gives a soft, textured surface that hides everyday wear.",
    ),
    /* 16 */
    (
        "Brass",
        "Solid brass, left unlacquered, develops a warm patina over time.",
    ),
    /* 17 */
    (
        "Oak",
        "Solid oak from sustainably managed forests, finished with a natural oil.",
    ),
    /* 18 */
    (
        "Ripstop Nylon",
        "Ripstop nylon with a silicone coating is light, tough and fully waterproof.",
    ),
    /* 19 */
    (
        "Down",
        "Responsibly sourced 700-fill duck down gives plenty of warmth for its weight.",
    ),
    /* 20 */
    (
        "Terracotta",
        "Frost-resistant terracotta, hand-thrown and fired in small batches.",
    ),
    /* 21 */
    (
        "Galvanised Steel",
        "Galvanised steel resists rust, so it can stay outdoors all year round.",
    ),
    /* 22 */
    (
        "Ash Wood",
        "Ash wood handles are shock absorbing and comfortable in the hand.",
    ),
    /* 23 */
    (
        "Turkish Cotton",
        "Long-staple Turkish cotton is absorbent, quick drying and plush.",
    ),
    /* 24 */
    (
        "Lambswool",
        "Soft lambswool from British flocks, brushed for extra warmth.",
    ),
    /* 25 */
    (
        "Corduroy",
        "Fine-wale corduroy in heavy cotton, garment dyed for a soft finish.",
    ),
];

/// Brand names, by the kind of goods they make.
pub const BRANDS: &[&[&str]] = &[
    /* 0 apparel */
    &[
        "Alder & Finch",
        "Nordvik",
        "Marlowe Supply",
        "Tidewater",
        "Fernhill",
        "Common Thread",
    ],
    /* 1 footwear */
    &["Stride & Co", "Corvo", "Fieldmark", "Nordvik"],
    /* 2 kitchen */
    &[
        "Brightwell",
        "Oakhaven Kitchen",
        "Fonderie Lune",
        "Hearth & Hob",
    ],
    /* 3 living */
    &["Lumen & Co", "Oakhaven Home", "Still Room", "Weft Studio"],
    /* 4 outdoor */
    &["Kestrel Outdoor", "Summit Line", "Greenfold", "Fieldmark"],
    /* 5 accessories */
    &["Alder & Finch", "Marlowe Supply", "Carryall", "Tidewater"],
];

const APPAREL_COLOURS: &[&str] = &[
    "Navy",
    "Black",
    "White",
    "Oatmeal",
    "Olive",
    "Rust",
    "Charcoal",
    "Sky Blue",
    "Forest Green",
    "Burgundy",
    "Sand",
    "Ecru",
];
const SHOE_COLOURS: &[&str] = &["Black", "Tan", "White", "Chestnut", "Grey", "Navy"];
const HOME_COLOURS: &[&str] = &[
    "Ochre",
    "Sage",
    "Terracotta",
    "Ivory",
    "Slate",
    "Dusty Pink",
    "Midnight",
    "Moss",
];
const GEAR_COLOURS: &[&str] = &["Olive", "Orange", "Slate", "Black", "Sand", "Red"];
const SHIRT_ADJ: &[&str] = &[
    "Relaxed",
    "Slim-Fit",
    "Classic",
    "Heavyweight",
    "Lightweight",
    "Everyday",
    "Boxy",
    "Garment-Dyed",
];
const KNIT_ADJ: &[&str] = &[
    "Chunky",
    "Fine-Knit",
    "Ribbed",
    "Cable-Knit",
    "Relaxed",
    "Classic",
    "Cropped",
];
const OUTER_ADJ: &[&str] = &[
    "Insulated",
    "Packable",
    "Hooded",
    "Water-Resistant",
    "Tailored",
    "Quilted",
    "Classic",
];
const SHOE_ADJ: &[&str] = &[
    "Low-Top",
    "High-Top",
    "Classic",
    "Lightweight",
    "Cushioned",
    "Minimal",
    "Rugged",
];
const HOME_ADJ: &[&str] = &[
    "Handmade", "Classic", "Modern", "Rustic", "Minimal", "Heritage", "Everyday",
];
const GEAR_ADJ: &[&str] = &[
    "Ultralight",
    "Expedition",
    "Trail",
    "Compact",
    "All-Season",
    "Weekend",
    "Rugged",
];

const APPAREL_CARE: &str = "Machine wash cold with similar colours and dry flat.";
const WOOL_CARE: &str = "Hand wash cold or dry clean; dry flat in the shade.";
const LEATHER_CARE: &str = "Wipe clean with a damp cloth and treat with leather balm now and then.";
const KITCHEN_CARE: &str = "Wash by hand with warm soapy water and dry straight away.";
const TABLE_CARE: &str = "Dishwasher and microwave safe.";
const HOME_CARE: &str = "Spot clean; the cover is removable and can be dry cleaned.";
const GEAR_CARE: &str = "Dry thoroughly before storing; rinse off salt and sand.";

/// Every kind of product, one per leaf category.
pub const KINDS: &[Kind] = &[
    Kind {
        category: "clothing/men/t-shirts",
        code: "MTS",
        nouns: &["T-Shirt", "Pocket Tee", "Crew-Neck Tee", "Henley"],
        adjectives: SHIRT_ADJ,
        materials: &[0, 2, 3],
        sizes: Sizes::Apparel,
        colours: APPAREL_COLOURS,
        euros: (19, 45),
        grams: (160, 260),
        features: &[
            "A taped neck and shoulder seams keep it in shape.",
            "Side-seamed with a straight hem that works tucked or untucked.",
            "Pre-shrunk, so the fit you buy is the fit you keep.",
        ],
        brands: 0,
        care: APPAREL_CARE,
    },
    Kind {
        category: "clothing/men/shirts",
        code: "MSH",
        nouns: &[
            "Oxford Shirt",
            "Overshirt",
            "Work Shirt",
            "Camp-Collar Shirt",
        ],
        adjectives: SHIRT_ADJ,
        materials: &[0, 2, 7, 25],
        sizes: Sizes::Apparel,
        colours: APPAREL_COLOURS,
        euros: (49, 110),
        grams: (250, 450),
        features: &[
            "Corozo buttons and a box-pleated back give it room to move.",
            "Two chest pockets with button flaps hold the essentials.",
            "A curved hem and a soft-roll collar keep it easy-going.",
        ],
        brands: 0,
        care: APPAREL_CARE,
    },
    Kind {
        category: "clothing/men/knitwear",
        code: "MKN",
        nouns: &[
            "Crew-Neck Sweater",
            "Cardigan",
            "Roll-Neck Jumper",
            "Quarter-Zip",
        ],
        adjectives: KNIT_ADJ,
        materials: &[1, 8, 24, 0],
        sizes: Sizes::Apparel,
        colours: APPAREL_COLOURS,
        euros: (69, 180),
        grams: (350, 700),
        features: &[
            "Fully fashioned shoulders and ribbed cuffs hold their shape.",
            "Knitted in a family-run mill in Scotland.",
            "A mid-weight gauge that layers under a jacket or over a shirt.",
        ],
        brands: 0,
        care: WOOL_CARE,
    },
    Kind {
        category: "clothing/men/jackets",
        code: "MJK",
        nouns: &[
            "Field Jacket",
            "Parka",
            "Chore Coat",
            "Bomber Jacket",
            "Overcoat",
        ],
        adjectives: OUTER_ADJ,
        materials: &[4, 3, 1, 7, 19],
        sizes: Sizes::Apparel,
        colours: APPAREL_COLOURS,
        euros: (120, 390),
        grams: (700, 1600),
        features: &[
            "Two-way zip, storm flap and an adjustable hood keep weather out.",
            "Four outer pockets and an inside zip pocket for a phone.",
            "A corduroy-lined collar and brass snaps finish it off.",
        ],
        brands: 0,
        care: APPAREL_CARE,
    },
    Kind {
        category: "clothing/men/trousers",
        code: "MTR",
        nouns: &[
            "Chinos",
            "Cargo Trousers",
            "Pleated Trousers",
            "Five-Pocket Jeans",
        ],
        adjectives: &[
            "Straight-Leg",
            "Tapered",
            "Relaxed",
            "Slim",
            "Classic",
            "Wide-Leg",
        ],
        materials: &[0, 7, 25, 2],
        sizes: Sizes::Apparel,
        colours: APPAREL_COLOURS,
        euros: (59, 140),
        grams: (450, 800),
        features: &[
            "A gusseted crotch and a touch of stretch give freedom of movement.",
            "Belt loops, deep front pockets and a button-through back pocket.",
            "Finished with a clean hem that is easy to take up.",
        ],
        brands: 0,
        care: APPAREL_CARE,
    },
    Kind {
        category: "clothing/women/t-shirts",
        code: "WTS",
        nouns: &["T-Shirt", "Boat-Neck Top", "Long-Sleeve Tee", "Tank Top"],
        adjectives: SHIRT_ADJ,
        materials: &[0, 2, 3],
        sizes: Sizes::Apparel,
        colours: APPAREL_COLOURS,
        euros: (19, 49),
        grams: (140, 240),
        features: &[
            "A slightly dropped shoulder and a longer back hem.",
            "Cut from a jersey with a soft, matte finish.",
            "Pre-shrunk, so the fit you buy is the fit you keep.",
        ],
        brands: 0,
        care: APPAREL_CARE,
    },
    Kind {
        category: "clothing/women/dresses",
        code: "WDR",
        nouns: &[
            "Midi Dress",
            "Shirt Dress",
            "Wrap Dress",
            "Slip Dress",
            "Smock Dress",
        ],
        adjectives: &[
            "Flowing", "Tiered", "Belted", "Classic", "Relaxed", "Pleated",
        ],
        materials: &[2, 0, 3, 14],
        sizes: Sizes::Apparel,
        colours: APPAREL_COLOURS,
        euros: (69, 220),
        grams: (250, 600),
        features: &[
            "Hidden side pockets and a self-tie belt.",
            "Fully lined to the knee, with an invisible side zip.",
            "Adjustable straps and a gently shirred back.",
        ],
        brands: 0,
        care: APPAREL_CARE,
    },
    Kind {
        category: "clothing/women/knitwear",
        code: "WKN",
        nouns: &["Cardigan", "Crew-Neck Jumper", "Turtleneck", "Knitted Vest"],
        adjectives: KNIT_ADJ,
        materials: &[1, 8, 24, 0],
        sizes: Sizes::Apparel,
        colours: APPAREL_COLOURS,
        euros: (69, 190),
        grams: (300, 650),
        features: &[
            "Fully fashioned shoulders and ribbed cuffs hold their shape.",
            "Knitted in a family-run mill in Scotland.",
            "A relaxed body with slightly balloon sleeves.",
        ],
        brands: 0,
        care: WOOL_CARE,
    },
    Kind {
        category: "clothing/women/jackets",
        code: "WJK",
        nouns: &[
            "Trench Coat",
            "Puffer Jacket",
            "Wool Coat",
            "Denim Jacket",
            "Rain Jacket",
        ],
        adjectives: OUTER_ADJ,
        materials: &[4, 3, 1, 7, 19],
        sizes: Sizes::Apparel,
        colours: APPAREL_COLOURS,
        euros: (110, 420),
        grams: (600, 1500),
        features: &[
            "Two-way zip, storm flap and an adjustable hood keep weather out.",
            "A removable belt and deep welt pockets.",
            "Taped seams and a breathable lining.",
        ],
        brands: 0,
        care: APPAREL_CARE,
    },
    Kind {
        category: "clothing/women/skirts",
        code: "WSK",
        nouns: &["Midi Skirt", "A-Line Skirt", "Pleated Skirt", "Wrap Skirt"],
        adjectives: &["Flowing", "Tailored", "Classic", "Relaxed", "Bias-Cut"],
        materials: &[2, 7, 25, 14, 1],
        sizes: Sizes::Apparel,
        colours: APPAREL_COLOURS,
        euros: (49, 140),
        grams: (200, 500),
        features: &[
            "An elasticated back waist and side pockets.",
            "Fully lined, with a concealed side zip.",
            "A wide waistband that sits comfortably at the natural waist.",
        ],
        brands: 0,
        care: APPAREL_CARE,
    },
    Kind {
        category: "clothing/kids/hoodies",
        code: "KHD",
        nouns: &["Hoodie", "Zip Hoodie", "Sweatshirt"],
        adjectives: &["Cosy", "Brushed", "Everyday", "Playground", "Classic"],
        materials: &[0, 3],
        sizes: Sizes::Kids,
        colours: APPAREL_COLOURS,
        euros: (25, 49),
        grams: (250, 450),
        features: &[
            "Reinforced knees and elbows for rough-and-tumble days.",
            "Brushed inside and nickel-free zips.",
            "Room to grow: the cuffs roll back as they get taller.",
        ],
        brands: 0,
        care: APPAREL_CARE,
    },
    Kind {
        category: "clothing/kids/t-shirts",
        code: "KTS",
        nouns: &["T-Shirt", "Striped Tee", "Long-Sleeve Tee"],
        adjectives: &["Everyday", "Playground", "Classic", "Bright"],
        materials: &[0],
        sizes: Sizes::Kids,
        colours: APPAREL_COLOURS,
        euros: (12, 25),
        grams: (100, 180),
        features: &[
            "Soft, tag-free neck label.",
            "Dyed with low-impact dyes that stay bright wash after wash.",
        ],
        brands: 0,
        care: APPAREL_CARE,
    },
    Kind {
        category: "footwear/men/sneakers",
        code: "MSN",
        nouns: &["Sneaker", "Court Shoe", "Runner", "Trainer"],
        adjectives: SHOE_ADJ,
        materials: &[5, 6, 0, 3],
        sizes: Sizes::Shoes(40, 47),
        colours: SHOE_COLOURS,
        euros: (79, 180),
        grams: (700, 1000),
        features: &[
            "A natural rubber cupsole stitched to the upper for a long life.",
            "A removable cork footbed that moulds to your foot.",
            "Made in a small workshop in Portugal.",
        ],
        brands: 1,
        care: LEATHER_CARE,
    },
    Kind {
        category: "footwear/men/boots",
        code: "MBT",
        nouns: &["Chelsea Boot", "Work Boot", "Hiking Boot", "Chukka Boot"],
        adjectives: SHOE_ADJ,
        materials: &[5, 6, 4],
        sizes: Sizes::Shoes(40, 47),
        colours: SHOE_COLOURS,
        euros: (140, 320),
        grams: (1100, 1800),
        features: &[
            "Goodyear welted, so the sole can be replaced.",
            "A lugged Vibram sole grips on wet ground.",
            "Leather-lined with a padded collar.",
        ],
        brands: 1,
        care: LEATHER_CARE,
    },
    Kind {
        category: "footwear/women/sneakers",
        code: "WSN",
        nouns: &["Sneaker", "Platform Sneaker", "Runner", "Slip-On"],
        adjectives: SHOE_ADJ,
        materials: &[5, 6, 0, 3],
        sizes: Sizes::Shoes(36, 42),
        colours: SHOE_COLOURS,
        euros: (79, 170),
        grams: (550, 850),
        features: &[
            "A natural rubber cupsole stitched to the upper for a long life.",
            "A removable cork footbed that moulds to your foot.",
            "Made in a small workshop in Portugal.",
        ],
        brands: 1,
        care: LEATHER_CARE,
    },
    Kind {
        category: "footwear/women/boots",
        code: "WBT",
        nouns: &["Ankle Boot", "Chelsea Boot", "Knee Boot", "Lace-Up Boot"],
        adjectives: SHOE_ADJ,
        materials: &[5, 6],
        sizes: Sizes::Shoes(36, 42),
        colours: SHOE_COLOURS,
        euros: (130, 340),
        grams: (800, 1500),
        features: &[
            "A stacked leather heel and a rubber half-sole for grip.",
            "An inside zip makes them easy to get on and off.",
            "Goodyear welted, so the sole can be replaced.",
        ],
        brands: 1,
        care: LEATHER_CARE,
    },
    Kind {
        category: "footwear/women/sandals",
        code: "WSD",
        nouns: &["Sandal", "Slide", "Espadrille", "Strappy Sandal"],
        adjectives: &["Minimal", "Classic", "Cushioned", "Woven", "Platform"],
        materials: &[5, 6, 2],
        sizes: Sizes::Shoes(36, 42),
        colours: SHOE_COLOURS,
        euros: (49, 140),
        grams: (300, 600),
        features: &[
            "An anatomical footbed and an adjustable buckle strap.",
            "A jute-wrapped sole, hand-stitched in Spain.",
        ],
        brands: 1,
        care: LEATHER_CARE,
    },
    Kind {
        category: "home/kitchen/cookware",
        code: "CKW",
        nouns: &["Frying Pan", "Saute Pan", "Casserole", "Saucepan", "Wok"],
        adjectives: &[
            "Professional",
            "Classic",
            "Heavy-Base",
            "Everyday",
            "Chef's",
        ],
        materials: &[9, 10, 11],
        sizes: Sizes::Steps(&["20 cm", "24 cm", "28 cm"], 12),
        colours: &[],
        euros: (39, 190),
        grams: (900, 3500),
        features: &[
            "A riveted, stay-cool handle and a pouring lip on both sides.",
            "Oven safe up to 260 °C.",
            "Comes with a lifetime guarantee.",
        ],
        brands: 2,
        care: KITCHEN_CARE,
    },
    Kind {
        category: "home/kitchen/knives",
        code: "KNF",
        nouns: &[
            "Chef's Knife",
            "Santoku",
            "Paring Knife",
            "Bread Knife",
            "Utility Knife",
        ],
        adjectives: &[
            "Forged",
            "Japanese-Style",
            "Classic",
            "Professional",
            "Hand-Finished",
        ],
        materials: &[11, 9],
        sizes: Sizes::Steps(&["13 cm", "18 cm", "21 cm"], 10),
        colours: &[],
        euros: (35, 160),
        grams: (90, 300),
        features: &[
            "Hand-sharpened to a 15-degree edge.",
            "A full tang and an oak handle for balance.",
            "Comes in a cotton sleeve for safe storage.",
        ],
        brands: 2,
        care: KITCHEN_CARE,
    },
    Kind {
        category: "home/kitchen/tableware",
        code: "TBW",
        nouns: &[
            "Dinner Plate Set",
            "Pasta Bowl Set",
            "Mug Set",
            "Serving Platter",
            "Side Plate Set",
        ],
        adjectives: HOME_ADJ,
        materials: &[12, 13],
        sizes: Sizes::None,
        colours: HOME_COLOURS,
        euros: (24, 95),
        grams: (800, 4000),
        features: &[
            "Sold as a set of four that stacks neatly.",
            "Glazed inside and out, with an unglazed foot ring.",
            "Made by a family pottery in the Algarve.",
        ],
        brands: 2,
        care: TABLE_CARE,
    },
    Kind {
        category: "home/living/cushions",
        code: "CSH",
        nouns: &["Cushion", "Bolster Cushion", "Floor Cushion"],
        adjectives: HOME_ADJ,
        materials: &[14, 2, 15, 0],
        sizes: Sizes::Steps(&["45 x 45 cm", "50 x 50 cm", "60 x 60 cm"], 6),
        colours: HOME_COLOURS,
        euros: (29, 79),
        grams: (400, 1200),
        features: &[
            "A feather-filled pad and a concealed zip.",
            "Piped edges and a contrasting reverse.",
        ],
        brands: 3,
        care: HOME_CARE,
    },
    Kind {
        category: "home/living/throws",
        code: "THR",
        nouns: &["Throw", "Blanket", "Bedspread"],
        adjectives: &["Herringbone", "Waffle-Knit", "Classic", "Fringed", "Chunky"],
        materials: &[24, 1, 0, 8],
        sizes: Sizes::None,
        colours: HOME_COLOURS,
        euros: (59, 220),
        grams: (900, 2200),
        features: &[
            "Woven on a traditional loom in Wales.",
            "Generously sized to cover a three-seater sofa.",
        ],
        brands: 3,
        care: WOOL_CARE,
    },
    Kind {
        category: "home/living/lamps",
        code: "LMP",
        nouns: &["Table Lamp", "Floor Lamp", "Pendant Light", "Desk Lamp"],
        adjectives: &["Articulated", "Globe", "Minimal", "Classic", "Mid-Century"],
        materials: &[16, 17, 12],
        sizes: Sizes::None,
        colours: &["Brass", "Matt Black", "Chalk White", "Sage"],
        euros: (79, 350),
        grams: (1200, 5000),
        features: &[
            "An E27 fitting that takes any LED bulb, and a braided fabric cable.",
            "A dimmer switch on the cable.",
            "The shade angle adjusts with a single knurled knob.",
        ],
        brands: 3,
        care: "Dust with a dry cloth; switch off and let the bulb cool before cleaning.",
    },
    Kind {
        category: "home/bath/towels",
        code: "TWL",
        nouns: &["Towel", "Waffle Towel", "Hammam Towel"],
        adjectives: &["Plush", "Lightweight", "Classic", "Ribbed", "Quick-Dry"],
        materials: &[23, 2, 0],
        sizes: Sizes::Steps(&["Hand", "Bath", "Bath Sheet"], 8),
        colours: HOME_COLOURS,
        euros: (14, 49),
        grams: (250, 900),
        features: &[
            "Woven at 600 grams per square metre for a plush feel.",
            "A hanging loop on every towel.",
        ],
        brands: 3,
        care: "Machine wash at 40 °C; tumble dry low.",
    },
    Kind {
        category: "outdoor/camping/tents",
        code: "TNT",
        nouns: &["Tent", "Tunnel Tent", "Dome Tent", "Bivvy Shelter"],
        adjectives: GEAR_ADJ,
        materials: &[18, 3],
        sizes: Sizes::Steps(&["1-Person", "2-Person", "3-Person"], 60),
        colours: GEAR_COLOURS,
        euros: (149, 520),
        grams: (1100, 3800),
        features: &[
            "Pitches inner and fly together in under five minutes.",
            "Two doors and two porches, so nobody climbs over anybody.",
            "Colour-coded poles and a stuff sack with compression straps.",
        ],
        brands: 4,
        care: GEAR_CARE,
    },
    Kind {
        category: "outdoor/camping/sleeping-bags",
        code: "SLB",
        nouns: &["Sleeping Bag", "Mummy Bag", "Quilt"],
        adjectives: GEAR_ADJ,
        materials: &[19, 3],
        sizes: Sizes::Steps(&["Regular", "Long"], 20),
        colours: GEAR_COLOURS,
        euros: (119, 420),
        grams: (700, 1600),
        features: &[
            "Comfort-rated to -5 °C, with a draught collar and a shaped hood.",
            "Packs down to the size of a loaf of bread.",
        ],
        brands: 4,
        care: GEAR_CARE,
    },
    Kind {
        category: "outdoor/camping/backpacks",
        code: "BPK",
        nouns: &["Backpack", "Daypack", "Trekking Pack", "Rolltop Pack"],
        adjectives: GEAR_ADJ,
        materials: &[18, 4, 3],
        sizes: Sizes::Steps(&["20 L", "30 L", "45 L"], 20),
        colours: GEAR_COLOURS,
        euros: (69, 260),
        grams: (600, 1900),
        features: &[
            "A ventilated back panel and a padded hip belt with pockets.",
            "A laptop sleeve and a quick-access top pocket.",
            "Compatible with hydration bladders.",
        ],
        brands: 4,
        care: GEAR_CARE,
    },
    Kind {
        category: "outdoor/garden/tools",
        code: "GTL",
        nouns: &[
            "Spade",
            "Hand Trowel",
            "Border Fork",
            "Pruning Shears",
            "Hoe",
        ],
        adjectives: &["Heritage", "Forged", "Classic", "Ergonomic", "Professional"],
        materials: &[21, 22, 9],
        sizes: Sizes::None,
        colours: &[],
        euros: (19, 89),
        grams: (300, 2200),
        features: &[
            "Forged from a single piece of steel with a socketed ash handle.",
            "Comes with a ten-year guarantee.",
            "The blade is sharpened so it bites into heavy clay.",
        ],
        brands: 4,
        care: "Clean off soil after use and oil the blade before winter.",
    },
    Kind {
        category: "outdoor/garden/planters",
        code: "PLT",
        nouns: &["Planter", "Herb Pot", "Window Box", "Trough"],
        adjectives: &["Rustic", "Classic", "Ribbed", "Minimal", "Heritage"],
        materials: &[20, 21, 12],
        sizes: Sizes::Steps(&["Small", "Medium", "Large"], 15),
        colours: &[],
        euros: (15, 120),
        grams: (800, 9000),
        features: &[
            "A drainage hole and a matching saucer.",
            "Frost proof, so it can stay out all winter.",
        ],
        brands: 4,
        care: "Empty and store upside down in very hard frosts.",
    },
    Kind {
        category: "accessories/bags/totes",
        code: "TOT",
        nouns: &["Tote Bag", "Shopper", "Weekender", "Market Bag"],
        adjectives: &["Oversized", "Classic", "Structured", "Everyday", "Foldable"],
        materials: &[4, 5, 0, 2],
        sizes: Sizes::None,
        colours: APPAREL_COLOURS,
        euros: (29, 240),
        grams: (300, 1400),
        features: &[
            "An inside zip pocket and a key clip.",
            "Leather handles riveted for strength.",
            "Folds flat into its own pocket.",
        ],
        brands: 5,
        care: LEATHER_CARE,
    },
    Kind {
        category: "accessories/bags/wallets",
        code: "WLT",
        nouns: &["Wallet", "Card Holder", "Coin Purse", "Travel Wallet"],
        adjectives: &["Slim", "Classic", "Bifold", "Zip-Around", "Minimal"],
        materials: &[5, 6],
        sizes: Sizes::None,
        colours: SHOE_COLOURS,
        euros: (29, 120),
        grams: (40, 150),
        features: &[
            "Six card slots and a note compartment.",
            "Hand-stitched with waxed linen thread.",
        ],
        brands: 5,
        care: LEATHER_CARE,
    },
    Kind {
        category: "accessories/headwear/beanies",
        code: "BNI",
        nouns: &["Beanie", "Watch Cap", "Bobble Hat"],
        adjectives: &["Ribbed", "Chunky", "Classic", "Fisherman", "Slouchy"],
        materials: &[1, 24, 8],
        sizes: Sizes::None,
        colours: APPAREL_COLOURS,
        euros: (19, 59),
        grams: (60, 140),
        features: &[
            "A deep turn-up that covers the ears.",
            "Knitted seamlessly on a circular machine.",
        ],
        brands: 5,
        care: WOOL_CARE,
    },
    Kind {
        category: "accessories/headwear/caps",
        code: "CAP",
        nouns: &["Baseball Cap", "Six-Panel Cap", "Bucket Hat", "Flat Cap"],
        adjectives: &["Washed", "Classic", "Unstructured", "Corduroy", "Waxed"],
        materials: &[0, 4, 25, 1],
        sizes: Sizes::None,
        colours: APPAREL_COLOURS,
        euros: (19, 69),
        grams: (70, 160),
        features: &[
            "An adjustable brass buckle at the back.",
            "A sweat band in soft cotton twill.",
        ],
        brands: 5,
        care: APPAREL_CARE,
    },
];

/// Model names that start a title ("Harbour Relaxed Linen Shirt").
pub const LINES: &[&str] = &[
    "Harbour",
    "Fjord",
    "Alder",
    "Juniper",
    "Cobalt",
    "Meadow",
    "Summit",
    "Drift",
    "Ember",
    "Linden",
    "Orchard",
    "Pebble",
    "Quarry",
    "Ridge",
    "Saltmarsh",
    "Thistle",
    "Upland",
    "Vale",
    "Willow",
    "Yarrow",
    "Birch",
    "Cedar",
    "Dune",
    "Estuary",
    "Fern",
    "Glen",
    "Heath",
    "Isle",
    "Kestrel",
    "Lark",
    "Moor",
    "Nettle",
    "Oxbow",
    "Pine",
    "Rowan",
    "Sorrel",
    "Tarn",
    "Wren",
    "Bramble",
    "Coast",
    "Delta",
    "Highland",
    "Larch",
    "Marram",
    "Northfield",
    "Solway",
];

/// Opening sentences; `{title}`, `{noun}`, `{material}` and `{adj}` are filled in.
pub const OPENINGS: &[&str] = &[
    "The {title} is a {adj} {noun} in {material} that you will reach for again and again.",
    "Meet the {title}: a {adj} {noun} made in {material}, built to last for years.",
    "Our {title} takes the {noun} back to basics, in a {adj} cut of {material}.",
    "A {adj} {noun} in {material}, the {title} is as good on day one as on day one thousand.",
    "Designed in our studio and made in small runs, the {title} is a {adj} {noun} in {material}.",
];
