//! Property tests: whatever a form or a REST client sends, parsing never
//! panics, and what it accepts can never carry a header injection or an
//! out-of-range value.

use proptest::prelude::*;
use shared::smtp::{FromName, Security, SmtpDraft, SmtpHost};
use shared::EmailAddress;

fn draft_with(host: String, port: i64, from_name: String, from_email: String) -> SmtpDraft {
    SmtpDraft { host, port, from_name, from_email, security: Security::StartTls, auth: false, username: None, password: None, oauth: None }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_line_break_anywhere_in_the_from_name_is_refused(before in ".{0,40}", after in ".{0,40}", brk in prop_oneof![Just("\r"), Just("\n"), Just("\r\n")]) {
        let name = format!("{before}{brk}{after}");
        prop_assert!(FromName::parse(&name).is_err());
        let err = draft_with("smtp.example.com".into(), 587, name, "a@example.com".into()).parse(false).unwrap_err();
        prop_assert!(err.fields.contains_key("from_name"));
    }

    #[test]
    fn accepted_from_names_are_one_short_line(name in "(\\PC|[\\x00-\\x1f\\x7f]){0,150}") {
        if let Ok(parsed) = FromName::parse(&name) {
            prop_assert!(parsed.as_str().chars().count() <= 100);
            prop_assert!(!parsed.as_str().chars().any(char::is_control));
        }
    }

    #[test]
    fn ports_outside_the_range_are_refused_and_inside_accepted(port in any::<i64>()) {
        let result = draft_with("smtp.example.com".into(), port, "".into(), "a@example.com".into()).parse(false);
        if (1..=65535).contains(&port) {
            prop_assert_eq!(result.unwrap().port as i64, port);
        } else {
            prop_assert!(result.unwrap_err().fields.contains_key("port"));
        }
    }

    #[test]
    fn accepted_hosts_have_no_scheme_port_space_or_control(host in ".{0,300}") {
        if let Ok(parsed) = SmtpHost::parse(&host) {
            let s = parsed.as_str();
            prop_assert!(!s.is_empty() && s.chars().count() <= 253);
            prop_assert!(!s.contains("://"));
            prop_assert!(!s.chars().any(|c| c.is_whitespace() || c.is_control()));
            prop_assert!(parsed.is_ip() || !s.contains(':'));
        }
    }

    #[test]
    fn dns_names_made_of_good_labels_are_accepted(labels in prop::collection::vec("[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", 1..5)) {
        let host = labels.join(".");
        prop_assert!(SmtpHost::parse(&host).is_ok(), "{}", host);
    }

    #[test]
    fn well_formed_addresses_parse(local in "[a-z0-9]{1,10}([.+_-][a-z0-9]{1,10}){0,2}", domain in "[a-z0-9]{1,10}(\\.[a-z]{2,6}){1,2}") {
        let addr = format!("{local}@{domain}");
        let parsed = EmailAddress::parse(&addr).unwrap();
        prop_assert_eq!(parsed.as_str(), addr.as_str());
    }

    #[test]
    fn addresses_with_a_break_space_or_nul_inside_are_refused(
        local in "[a-z0-9]{1,10}",
        domain in "[a-z0-9]{1,10}\\.[a-z]{2,6}",
        bad in prop_oneof![Just("\r"), Just("\n"), Just("\r\nBcc: x@evil.example"), Just(" "), Just("\t"), Just("\0")],
        at in 0usize..3,
    ) {
        let addr = match at {
            0 => format!("{local}{bad}x@{domain}"),
            1 => format!("{local}@{bad}{domain}"),
            _ => format!("{local}@{domain}{bad}x"),
        };
        prop_assert!(EmailAddress::parse(&addr).is_err(), "{:?}", addr);
    }

    #[test]
    fn huge_inputs_are_refused_without_trouble(n in 300usize..20_000) {
        let big = "a".repeat(n);
        let err = draft_with(big.clone(), 587, big.clone(), format!("{big}@example.com")).parse(false).unwrap_err();
        prop_assert!(err.fields.contains_key("host") && err.fields.contains_key("from_name") && err.fields.contains_key("from_email"));
    }
}
