//! Every setting that can hold a secret is also read from a file,
//! `<VARIABLE>_FILE`, the way container platforms hand secrets over
//! (Kubernetes and Docker secrets, systemd credentials): the secret then
//! never sits in the environment, where `ps e`, `/proc/<pid>/environ` and
//! `docker inspect` show it.

use anyhow::Context;
use std::path::Path;

/// A secret setting: the variable's (or flag's) value, or the content of the
/// file its `_FILE` names. Both set is refused, naming both: which one was
/// meant cannot be guessed, and silently preferring one hides a mistake.
pub fn secret(variable: &str, value: Option<&str>, file: Option<&Path>) -> anyhow::Result<Option<String>> {
    match (value, file) {
        (Some(_), Some(_)) => anyhow::bail!("{variable} and {variable}_FILE are both set: set one of them"),
        (Some(value), None) => Ok(Some(value.to_owned())),
        (None, Some(file)) => read(&format!("{variable}_FILE"), file).map(Some),
        (None, None) => Ok(None),
    }
}

/// A secret file's text, without its trailing newlines: editors and `echo`
/// end a file with one, which is never part of the secret (other trailing
/// characters, spaces included, are kept: they may be).
pub fn read(variable: &str, file: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file).with_context(|| format!("{variable}: reading {}", file.display()))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_without_its_trailing_newlines() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        for (content, read) in [("s3cret\n", "s3cret"), ("s3cret\r\n\n", "s3cret"), ("s3cret", "s3cret"), ("two\nlines \n", "two\nlines ")] {
            std::fs::write(&file, content).unwrap();
            assert_eq!(secret("GATEHOUSE_X", None, Some(&file)).unwrap().as_deref(), Some(read), "{content:?}");
        }
        assert_eq!(secret("GATEHOUSE_X", Some("v\n"), None).unwrap().as_deref(), Some("v\n"), "a variable's value is taken as it is");
        assert_eq!(secret("GATEHOUSE_X", None, None).unwrap(), None);
    }

    #[test]
    fn a_variable_and_its_file_together_are_refused_naming_both() {
        let err = secret("GATEHOUSE_SMTP_PASSWORD", Some("a"), Some(Path::new("/nonexistent"))).unwrap_err().to_string();
        assert!(err.contains("GATEHOUSE_SMTP_PASSWORD and GATEHOUSE_SMTP_PASSWORD_FILE"), "{err}");
        let missing = secret("GATEHOUSE_SMTP_PASSWORD", None, Some(Path::new("/nonexistent/secret"))).unwrap_err();
        assert!(format!("{missing:#}").starts_with("GATEHOUSE_SMTP_PASSWORD_FILE: reading /nonexistent/secret"), "{missing:#}");
    }
}
