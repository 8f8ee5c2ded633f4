//! What a peer (a relay, an identity provider) said, as Gatehouse quotes it
//! back: in the test send's report, an email's last error (stored, and listed
//! under Email activity) and the log. The peer chooses how long its words
//! are, so a quote keeps at most [`MAX_QUOTE_BYTES`] of them: enough for any
//! real reply or error description, and a bound on what one can make us
//! store and show.

/// The longest quote, in bytes of UTF-8.
pub const MAX_QUOTE_BYTES: usize = 1024;

/// `words`, cut to at most [`MAX_QUOTE_BYTES`] on a character boundary, with
/// `…` to say it was cut.
pub fn quote(words: &str) -> String {
    if words.len() <= MAX_QUOTE_BYTES {
        return words.to_owned();
    }
    const ELLIPSIS: char = '…';
    let mut end = MAX_QUOTE_BYTES - ELLIPSIS.len_utf8();
    while !words.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ELLIPSIS}", &words[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_words_are_kept_whole() {
        assert_eq!(quote("550 5.1.1 <x@example.com>: User unknown"), "550 5.1.1 <x@example.com>: User unknown");
        let exactly = "a".repeat(MAX_QUOTE_BYTES);
        assert_eq!(quote(&exactly), exactly);
    }

    #[test]
    fn long_words_are_cut_on_a_character_boundary() {
        for filler in ["x", "è", "日", "🦀"] {
            let long = format!("554 {}", filler.repeat(5000));
            let quoted = quote(&long);
            assert!(quoted.len() <= MAX_QUOTE_BYTES, "{filler}: {} bytes", quoted.len());
            assert!(quoted.len() > MAX_QUOTE_BYTES - 8, "{filler}: cut too short");
            assert!(quoted.starts_with("554 ") && quoted.ends_with('…'), "{filler}");
        }
    }
}
