//! Opaque keyset cursors.
//!
//! A cursor names the last item of a page by its sort key (an integer such as `created_at`)
//! and its id, so the next page starts strictly after it: items inserted meanwhile never
//! make a client skip or repeat an item. The cursor carries a tag naming its listing (and
//! format version), so a cursor of another listing, or a hand-made one, is rejected.
//!
//! The text is `base64url("<tag>|<key>|<id>")` without padding. Clients must treat it as
//! opaque.

/// Encodes the position after the item (`key`, `id`) of the listing `tag`.
pub fn encode(tag: &str, key: i64, id: &str) -> String {
    base64url_encode(format!("{tag}|{key}|{id}").as_bytes())
}

/// Decodes a cursor of the listing `tag` into (`key`, `id`); `None` when it is malformed
/// or belongs to another listing.
pub fn decode(tag: &str, cursor: &str) -> Option<(i64, String)> {
    if cursor.is_empty() || cursor.len() > 512 {
        return None;
    }
    let bytes = base64url_decode(cursor)?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.splitn(3, '|');
    if parts.next()? != tag {
        return None;
    }
    let key_text = parts.next()?;
    let id = parts.next()?;
    // Reject every spelling but the canonical one, so one position has one cursor.
    let key: i64 = key_text.parse().ok()?;
    if key.to_string() != key_text {
        return None;
    }
    let id_ok = !id.is_empty()
        && id.len() <= 128
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    id_ok.then(|| (key, id.to_owned()))
}

/// Encodes a cursor of the listing `tag` made of several fields, for listings whose
/// position needs more than one key (e.g. a sort key, a tie-breaker and a hash of the
/// query). Only the last field may contain `|`.
pub fn encode_fields(tag: &str, fields: &[&str]) -> String {
    let mut text = String::from(tag);
    for field in fields {
        text.push('|');
        text.push_str(field);
    }
    base64url_encode(text.as_bytes())
}

/// Decodes a cursor of the listing `tag` made by [`encode_fields`] with `n` fields; `None`
/// when it is malformed, has another number of fields or belongs to another listing. The
/// caller still checks each field.
pub fn decode_fields(tag: &str, cursor: &str, n: usize) -> Option<Vec<String>> {
    if cursor.is_empty() || cursor.len() > 2048 || n == 0 {
        return None;
    }
    let text = String::from_utf8(base64url_decode(cursor)?).ok()?;
    let mut parts = text.splitn(n + 1, '|');
    if parts.next()? != tag {
        return None;
    }
    let fields: Vec<String> = parts.map(str::to_owned).collect();
    (fields.len() == n).then_some(fields)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(B64[index as usize]));
        }
    }
    out
}

fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        B64.iter().position(|&b| b == c).map(|p| p as u32)
    }
    let bytes = input.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let produced = chunk.len() - 1;
        for i in 0..produced {
            out.push((n >> (16 - 8 * i)) as u8);
        }
        // Non-canonical trailing bits mean a hand-edited cursor.
        let used_bits = 8 * produced;
        if used_bits < 24 && n & ((1 << (24 - used_bits)) - 1) != 0 {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for id in ["prod_A", "prod_7ZC4M0QH2X9K1R5T8BWN3JD6FA", "x_1"] {
            for key in [0, 1, -5, 1_732_630_000_000, i64::MAX, i64::MIN] {
                let c = encode("products.v1", key, id);
                assert!(c.bytes().all(|b| B64.contains(&b)));
                assert_eq!(decode("products.v1", &c), Some((key, id.to_owned())));
                assert_eq!(decode("orders.v1", &c), None);
            }
        }
    }

    #[test]
    fn fields_round_trip() {
        let c = encode_fields("list.v2", &["ab12", "7", "Title | with bars"]);
        assert_eq!(
            decode_fields("list.v2", &c, 3),
            Some(vec!["ab12".into(), "7".into(), "Title | with bars".into()])
        );
        let two = encode_fields("list.v2", &["a", "b"]);
        assert_eq!(decode_fields("list.v2", &two, 3), None);
        assert_eq!(decode_fields("other.v1", &c, 3), None);
        assert_eq!(decode_fields("list.v2", "!!", 3), None);
    }

    #[test]
    fn rejects_garbage() {
        for c in [
            "",
            "!!!!",
            "abc",
            "A",
            "cHJvZHVjdHMudjF8MXw",
            "products.v1|1|a",
        ] {
            assert_eq!(decode("products.v1", c), None, "{c}");
        }
        let plus = base64url_encode(b"products.v1|+1|prod_A");
        assert_eq!(decode("products.v1", &plus), None);
        let sep = base64url_encode(b"products.v1|1|prod_A|x");
        assert_eq!(decode("products.v1", &sep), None);
    }
}

/// A checked page request of a keyset listing: where to start and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The (key, id) of the last item of the previous page.
    pub after: Option<(i64, String)>,
    /// At least 1, at most the listing's maximum.
    pub limit: u32,
}

/// Checks a listing's page request (`limit`, `after`) against the listing whose cursors
/// carry `tag`. A limit above `max` (at `/limit`) and a cursor that is malformed or of another
/// listing (at `/after`) are reported together; a limit of 0 means `default`.
pub fn check_page(
    limit: u32,
    after: Option<&str>,
    tag: &str,
    max: u32,
    default: u32,
) -> Result<Page, Vec<(String, String)>> {
    let mut e = crate::validate::FieldErrors::new();
    if limit > max {
        e.push("/limit", format!("must be at most {max}"));
    }
    let after = match after {
        None => None,
        Some(c) => {
            let position = decode(tag, c);
            if position.is_none() {
                e.push("/after", "is not a cursor of this listing");
            }
            position
        }
    };
    if !e.is_empty() {
        return Err(e.into_vec());
    }
    let limit = if limit == 0 { default } else { limit };
    Ok(Page { after, limit })
}
