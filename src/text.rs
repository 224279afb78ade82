//! Text as Windows tools write it, for every layer that reads their files.

/// Text from the bytes PowerShell writes: UTF-16 LE/BE with a BOM (Windows PowerShell's
/// `Out-File`), UTF-8 with or without a BOM, or BOM-less UTF-16 LE.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |b: &[u8], le: bool| -> Result<String, String> {
        if !b.len().is_multiple_of(2) {
            return Err("odd number of bytes for UTF-16".into());
        }
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| "invalid UTF-16".to_string())
    };
    match bytes {
        [0xff, 0xfe, rest @ ..] => utf16(rest, true),
        [0xfe, 0xff, rest @ ..] => utf16(rest, false),
        [0xef, 0xbb, 0xbf, rest @ ..] => {
            String::from_utf8(rest.to_vec()).map_err(|_| "invalid UTF-8".into())
        }
        [a, 0, ..] if *a != 0 => utf16(bytes, true),
        _ => String::from_utf8(bytes.to_vec()).map_err(|_| "neither UTF-8 nor UTF-16".into()),
    }
}
