//! Attachments of service records (10.3; issue 4 point 2): photos and scans taken at a home visit.
//! What a file is gets decided from its first bytes, never from its name or the type the browser
//! claims, so an `.exe` renamed `.jpg` is refused; the name the user gave is kept only as cleaned
//! text (no path parts, no control characters) with an extension that matches the content.

use crate::{Invalid, Msg};

/// The default largest attachment (a phone photo is 2–6 MB; a scanned page well under that).
pub const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// The longest file name kept, in characters.
pub const NAME_MAX: usize = 120;

/// How many leading bytes [`sniff`] needs to decide.
pub const SNIFF_LEN: usize = 16;

/// The kinds of file a service record takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    /// HEIC/HEIF: what iPhones and many Android phones save photos as.
    Heif,
    Pdf,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Jpeg, Kind::Png, Kind::Webp, Kind::Heif, Kind::Pdf];

    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
            Kind::Heif => "image/heif",
            Kind::Pdf => "application/pdf",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.mime() == mime)
    }

    /// File name extensions of the kind; the first is the one added to a name without one.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Jpeg => &["jpg", "jpeg", "jfif"],
            Kind::Png => &["png"],
            Kind::Webp => &["webp"],
            Kind::Heif => &["heic", "heif"],
            Kind::Pdf => &["pdf"],
        }
    }

    /// Whether a browser can draw it as a thumbnail (HEIC mostly cannot).
    pub fn shows_inline(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::Webp)
    }
}

/// HEIF major brands in the `ftyp` box (ISO/IEC 23008-12): still images and sequences.
const HEIF_BRANDS: [&[u8; 4]; 8] = [
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1",
];

/// The kind of a file from its first bytes (magic numbers), or `None` for anything else.
pub fn sniff(head: &[u8]) -> Option<Kind> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if head.len() >= 12
        && &head[4..8] == b"ftyp"
        && HEIF_BRANDS.iter().any(|b| &head[8..12] == *b)
    {
        Some(Kind::Heif)
    } else if head.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        None
    }
}

/// An upload that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub file_name: String,
    pub kind: Kind,
    pub size: usize,
}

/// The refusal of a file over `max` bytes (413).
pub fn too_large(max: usize) -> Msg {
    Msg::owned(
        format!("附件不能超过 {},请压缩或拆分后再上传", size_label(max)),
        format!(
            "an attachment may be at most {}; compress or split it",
            size_label(max)
        ),
    )
}

/// `10 MB`, `512 KB`, `80 B`.
pub fn size_label(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB {
        let tenths = bytes * 10 / MB;
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else if bytes >= 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} B")
    }
}

/// Checks a whole upload (its size was held to the limit while it was read): not empty, a kind
/// the record takes by its content, and a usable name.
pub fn check(file_name: &str, bytes: &[u8]) -> Result<Checked, Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::one(
            "file",
            Msg::new(
                "文件是空的,请重新选择",
                "the file is empty; choose it again",
            ),
        ));
    }
    let Some(kind) = sniff(&bytes[..bytes.len().min(SNIFF_LEN)]) else {
        return Err(Invalid::one(
            "file",
            Msg::new(
                "只能上传 JPEG、PNG、WebP、HEIC 照片或 PDF 扫描件;按文件内容判断,此文件不是其中任何一种(改扩展名无效)",
                "only JPEG, PNG, WebP or HEIC photos and PDF scans are taken; judged by its content this file is none of them (renaming it does not help)",
            ),
        ));
    };
    Ok(Checked {
        file_name: clean_name(file_name, kind),
        kind,
        size: bytes.len(),
    })
}

/// The name to keep: the last path part only, without control or format characters, without
/// leading dots, at most [`NAME_MAX`] characters, ending in an extension of `kind` (one is added
/// when the given one does not match the content, so `照片.exe` becomes `照片.exe.jpg`).
pub fn clean_name(given: &str, kind: Kind) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_format(*c))
        .collect();
    let kept = kept
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end();
    let ext_ok = kept.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && kind
                .extensions()
                .contains(&ext.to_ascii_lowercase().as_str())
    });
    let ext = kind.extensions()[0];
    let stem: String = if kept.is_empty() {
        "附件".into()
    } else {
        kept.into()
    };
    let room = NAME_MAX - if ext_ok { 0 } else { ext.len() + 1 };
    let stem: String = if stem.chars().count() > room {
        // Keep the end of a long name when it carries the extension.
        if ext_ok {
            let tail = ext.len() + 1;
            let head: String = stem.chars().take(room - tail).collect();
            let end: String = stem.chars().skip(stem.chars().count() - tail).collect();
            format!("{head}{end}")
        } else {
            stem.chars().take(room).collect()
        }
    } else {
        stem
    };
    if ext_ok {
        stem
    } else {
        format!("{stem}.{ext}")
    }
}

/// Bidirectional and zero-width marks: they make `gpj.exe` look like `exe.jpg` on screen.
fn is_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];
    const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00";

    #[test]
    fn kinds_are_known_by_their_first_bytes() {
        assert_eq!(sniff(JPEG), Some(Kind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(Kind::Png));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Some(Kind::Heif));
        assert_eq!(sniff(b"\0\0\0\x18ftypmif1\0\0\0\0"), Some(Kind::Heif));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Kind::Pdf));
        // An MP4 video shares the box layout but not the brand; a RIFF WAV is not WebP.
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0"), None);
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(EXE), None);
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(&[]), None);
    }

    #[test]
    fn an_exe_renamed_jpg_is_refused_in_chinese() {
        let e = check("家访照片.jpg", EXE).unwrap_err();
        assert!(e.message_for("file").unwrap().zh.contains("按文件内容判断"));
        let e = check("a.jpg", &[]).unwrap_err();
        assert!(e.message_for("file").unwrap().zh.contains("空"));
        let ok = check("C:\\Users\\王芳\\家访.JPG", JPEG).unwrap();
        assert_eq!(
            (ok.file_name.as_str(), ok.kind, ok.size),
            ("家访.JPG", Kind::Jpeg, JPEG.len())
        );
    }

    #[test]
    fn names_lose_paths_and_control_characters_and_match_the_content() {
        assert_eq!(clean_name("../../etc/passwd", Kind::Pdf), "passwd.pdf");
        assert_eq!(clean_name("照片\u{0}\n.jpg", Kind::Jpeg), "照片.jpg");
        assert_eq!(clean_name("photo.exe", Kind::Jpeg), "photo.exe.jpg");
        assert_eq!(
            clean_name("inv\u{202E}gpj.exe", Kind::Png),
            "invgpj.exe.png"
        );
        assert_eq!(clean_name(" ... ", Kind::Png), "附件.png");
        assert_eq!(clean_name(".jpg", Kind::Jpeg), "jpg.jpg");
        assert_eq!(clean_name("scan.heif", Kind::Heif), "scan.heif");
        let long = format!("{}.pdf", "长".repeat(300));
        let n = clean_name(&long, Kind::Pdf);
        assert_eq!(n.chars().count(), NAME_MAX);
        assert!(n.ends_with("长.pdf"));
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_label(DEFAULT_MAX_BYTES), "10 MB");
        assert_eq!(size_label(1536 * 1024), "1.5 MB");
        assert_eq!(size_label(2000), "2 KB");
        assert!(too_large(DEFAULT_MAX_BYTES).zh.contains("10 MB"));
    }

    proptest! {
        #[test]
        fn a_cleaned_name_is_one_safe_line(given in "\\PC{0,200}|[\\x00-\\x7f]{0,200}", k in 0usize..5) {
            let kind = Kind::ALL[k];
            let n = clean_name(&given, kind);
            prop_assert!(!n.is_empty());
            prop_assert!(n.chars().count() <= NAME_MAX);
            prop_assert!(!n.contains(['/', '\\']));
            prop_assert!(!n.chars().any(|c| c.is_control() || is_format(c)));
            prop_assert!(!n.starts_with('.'));
            let ext = n.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
            prop_assert!(kind.extensions().contains(&ext.as_str()));
            // Cleaning is stable: a kept name is kept as it is.
            prop_assert_eq!(clean_name(&n, kind), n.clone());
        }

        #[test]
        fn bytes_without_a_known_magic_are_refused(mut bytes in proptest::collection::vec(any::<u8>(), 1..64)) {
            // Whatever follows an executable's or a script's header, it is not an image.
            bytes.splice(0..0, b"MZ".iter().copied());
            prop_assert!(check("x.jpg", &bytes).is_err());
        }
    }
}
