//! "Send test email": one message through the relay, step by step, so that a
//! failure names the step — connect, tls, auth, sender, recipient, data —
//! with the relay's own reply. Opens the session as delivery does
//! (`connect`); the whole exchange is bounded, so a silent or black-holed
//! relay cannot hang a request.

use super::connect::Step;
use super::quote::quote;
use super::relay::Relay;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{Extension, MailParameter};
use lettre::transport::smtp::response::Response;
use lettre::{Address, Message};
use shared::smtp::{TestReport, TestStage};
use shared::EmailAddress;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The hard bound on a whole test send.
pub const DEFAULT_BOUND: Duration = Duration::from_secs(15);

struct Failed {
    message: String,
    reply: Option<String>,
}

pub async fn send_test(relay: &Relay, recipient: &EmailAddress, hello: &str, bound: Duration) -> TestReport {
    let started = Instant::now();
    let stage = Mutex::new(TestStage::Connect);
    let outcome = tokio::time::timeout(bound, attempt(relay, recipient, hello, bound, &stage)).await;
    let stage = *stage.lock().unwrap_or_else(PoisonError::into_inner);
    let (ok, stage, message, server_reply) = match outcome {
        Ok(Ok(reply)) => (true, TestStage::Sent, "the relay accepted the test email".to_owned(), Some(reply)),
        Ok(Err(failed)) => (false, stage, failed.message, failed.reply),
        Err(_) => (false, stage, format!("the relay did not answer within {} seconds", bound.as_secs()), None),
    };
    TestReport { ok, stage, message, server_reply, recipient: recipient.to_string(), elapsed_ms: started.elapsed().as_millis() as u64 }
}

async fn attempt(relay: &Relay, recipient: &EmailAddress, hello: &str, bound: Duration, stage: &Mutex<TestStage>) -> Result<String, Failed> {
    let set = |s| *stage.lock().unwrap_or_else(PoisonError::into_inner) = s;
    let fail = |what: &str| {
        let what = what.to_owned();
        move |e: lettre::transport::smtp::Error| Failed { message: format!("{what}: {}", quote(&e.to_string())), reply: reply_of(&e) }
    };
    let to: Address = recipient.as_str().parse().map_err(|e| Failed { message: format!("recipient address: {e}"), reply: None })?;
    let message = test_message(relay, recipient, &to).map_err(|e| Failed { message: e, reply: None })?;
    let entering = |step| {
        set(match step {
            Step::Connect => TestStage::Connect,
            Step::Tls => TestStage::Tls,
            Step::Token => TestStage::Token,
            Step::Auth => TestStage::Auth,
        })
    };
    let opened = |e: super::connect::OpenError| Failed { reply: e.smtp.as_ref().and_then(reply_of), message: e.message };
    let mut conn = super::connect::open(relay, hello, bound, entering).await.map_err(opened)?;
    if let Some(auth) = &relay.auth {
        super::connect::sign_in(&mut conn, auth, bound, entering).await.map_err(opened)?;
    }
    set(TestStage::Sender);
    // Non-ASCII addresses need the relay's SMTPUTF8 extension (RFC 6531).
    let mut mail_parameters = vec![];
    if !AsRef::<str>::as_ref(&relay.from.email).is_ascii() || !recipient.as_str().is_ascii() {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            conn.abort().await;
            return Err(Failed { message: "the relay does not accept internationalised addresses (no SMTPUTF8)".into(), reply: None });
        }
        mail_parameters.push(MailParameter::SmtpUtfEight);
    }
    conn.command(Mail::new(Some(relay.from.email.clone()), mail_parameters)).await.map_err(fail("the relay refused the sender"))?;
    set(TestStage::Recipient);
    conn.command(Rcpt::new(to, vec![])).await.map_err(fail("the relay refused the recipient"))?;
    set(TestStage::Data);
    conn.command(Data).await.map_err(fail("the relay refused to take the message"))?;
    let accepted = conn.message(&message).await.map_err(fail("the relay refused the message"))?;
    let _ = conn.quit().await;
    Ok(describe(&accepted))
}

fn test_message(relay: &Relay, recipient: &EmailAddress, to: &Address) -> Result<Vec<u8>, String> {
    let id = crate::tokens::mint("").hash;
    let message = Message::builder()
        .from(relay.from.clone())
        .to(Mailbox::new(None, to.clone()))
        .subject("Gatehouse test email")
        .message_id(Some(format!("<{}@{}>", &id[..32], relay.from.email.domain())))
        .date_now()
        .header(ContentType::TEXT_PLAIN)
        .body(format!(
            "This is a test email from Gatehouse, sent to {recipient} through {}:{}.\n\
             If you can read it, the SMTP configuration works.\n\n\
             Questa è un'email di prova di Gatehouse: se la leggi, la configurazione SMTP funziona.\n",
            relay.host, relay.port
        ))
        .map_err(|e| format!("building the test email: {e}"))?;
    Ok(message.formatted())
}

/// "250 2.0.0 Ok: queued as ABC", quoted (cut to length).
fn describe(response: &Response) -> String {
    let lines: Vec<&str> = response.message().collect();
    quote(&format!("{} {}", response.code(), lines.join(" ")))
}

/// The relay's words, quoted (cut to length), when the error carries a reply (a 4xx or 5xx).
fn reply_of(e: &lettre::transport::smtp::Error) -> Option<String> {
    (e.is_permanent() || e.is_transient()).then(|| quote(&e.to_string()))
}
