//! Precompressed variants: brotli at its best quality and gzip at level 9, both without
//! timestamps, so the same input always gives the same bytes.

use std::io::Write;

/// `data` compressed with brotli (quality 11, 4 MiB window).
pub fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(data).expect("writing to memory");
    }
    out
}

/// `data` compressed with gzip (level 9, modification time 0, no file name).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut w = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    w.write_all(data).expect("writing to memory");
    w.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn variants_decompress_to_the_input_and_repeat_exactly() {
        let text = "body { color: #222; }\n".repeat(50);
        let br = super::brotli(text.as_bytes());
        let gz = super::gzip(text.as_bytes());
        assert!(br.len() < text.len() && gz.len() < text.len());
        let mut back = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
        back.clear();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
        assert_eq!(super::brotli(text.as_bytes()), br);
        assert_eq!(super::gzip(text.as_bytes()), gz);
    }
}
