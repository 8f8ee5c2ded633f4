//! The languages Gatehouse speaks: the dashboard's, and the emails'.

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    It,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::It];

    /// The ISO 639-1 code: `en`, `it`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::It => "it",
        }
    }

    /// From a code as people and browsers write it: `it`, `IT`, `it-IT`, `en_GB`.
    pub fn from_code(code: &str) -> Option<Language> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Language::ALL.into_iter().find(|l| l.code() == primary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_as_people_and_browsers_write_them() {
        assert_eq!(Language::from_code("it-IT"), Some(Language::It));
        assert_eq!(Language::from_code(" EN "), Some(Language::En));
        assert_eq!(Language::from_code("en_GB"), Some(Language::En));
        assert_eq!(Language::from_code("de"), None);
        assert_eq!(Language::from_code(""), None);
    }
}
