//! Rules for text that people type and others read: addresses, names,
//! search terms.
//!
//! Invisible and bidirectional-control characters (zero-width spaces and
//! joiners, LRM/RLM, embeddings and overrides, isolates) make two strings that
//! look the same compare different, or make one read as another
//! (`admin@example.com\u{202E}` and friends): refused wherever a person is
//! named. On the server (`server-checks`), text is also put in Unicode NFC
//! form, so the same address typed on two keyboards is one address.

/// U+200B–U+200F, U+202A–U+202E, U+2066–U+2069.
pub fn is_invisible_or_bidi(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` in Unicode NFC form on the server; as it is in the browser, whose
/// bundle does without the normalisation tables (the server decides).
pub fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    #[cfg(feature = "server-checks")]
    {
        use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
        if is_nfc_quick(text.chars()) != IsNormalized::Yes {
            return std::borrow::Cow::Owned(text.nfc().collect());
        }
    }
    std::borrow::Cow::Borrowed(text)
}

/// The longest search term or cursor a list takes (the longest address).
pub const MAX_QUERY_CHARS: usize = crate::email::MAX_LEN;

/// A list's search term, filter or cursor as a caller sent it: at most
/// [`MAX_QUERY_CHARS`] characters, no control characters (a NUL byte is an
/// error in PostgreSQL's text, and nothing typed in a search box has one).
pub fn check_query(value: &str) -> Result<(), String> {
    if value.chars().count() > MAX_QUERY_CHARS {
        Err(format!("at most {MAX_QUERY_CHARS} characters"))
    } else if value.chars().any(|c| c.is_control() || is_invisible_or_bidi(c)) {
        Err("control and invisible characters are not allowed".to_owned())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_bidi_controls_are_known() {
        for c in ['\u{200B}', '\u{200F}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            assert!(is_invisible_or_bidi(c), "{c:?}");
        }
        for c in ['a', 'é', '\u{2010}', '\u{2065}', '\u{2070}'] {
            assert!(!is_invisible_or_bidi(c), "{c:?}");
        }
    }

    #[test]
    fn queries_are_bounded_and_printable() {
        assert!(check_query("acme").is_ok());
        assert!(check_query(&"a".repeat(MAX_QUERY_CHARS)).is_ok());
        assert!(check_query(&"a".repeat(MAX_QUERY_CHARS + 1)).is_err());
        assert!(check_query("a\0b").is_err());
        assert!(check_query("a\u{202E}b").is_err());
    }

    #[cfg(feature = "server-checks")]
    #[test]
    fn text_is_put_in_nfc_form() {
        // "é" as e + combining acute accent becomes the one precomposed character.
        assert_eq!(nfc("caf\u{0065}\u{0301}"), "caf\u{00E9}");
        assert!(matches!(nfc("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
