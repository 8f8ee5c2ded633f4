//! "Send test email" through an SMTP relay (`Sender::test`): one message,
//! step by step, so that a failure names the step — connect, tls, token,
//! auth, sender, recipient, data — with the relay's own reply. Opens the
//! session as delivery does (`connect`); the whole exchange is bounded, so a
//! silent or black-holed relay cannot hang a request.

use super::connect::Step;
use super::quote::quote;
use super::relay::Relay;
use super::sender::{SendError, Voice};
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

pub async fn send_test(relay: &Relay, recipient: &EmailAddress, voice: Option<&Voice>, hello: &str, bound: Duration) -> TestReport {
    let started = Instant::now();
    let stage = Mutex::new(TestStage::Connect);
    let outcome = tokio::time::timeout(bound, attempt(relay, recipient, voice, hello, bound, &stage)).await;
    let stage = *stage.lock().unwrap_or_else(PoisonError::into_inner);
    let (ok, stage, message, server_reply) = match outcome {
        Ok(Ok(reply)) => (true, TestStage::Sent, "the relay accepted the test email".to_owned(), Some(reply)),
        Ok(Err(failed)) => (false, stage, failed.message, failed.reply),
        Err(_) => (false, stage, format!("the relay did not answer within {} seconds", bound.as_secs()), None),
    };
    TestReport { ok, stage, message, server_reply, recipient: recipient.to_string(), elapsed_ms: started.elapsed().as_millis() as u64 }
}

/// The stage a failure is reported at is the one last entered (`stage`):
/// the bound may pass mid-step, when there is no error to carry it.
async fn attempt(
    relay: &Relay,
    recipient: &EmailAddress,
    voice: Option<&Voice>,
    hello: &str,
    bound: Duration,
    stage: &Mutex<TestStage>,
) -> Result<String, SendError> {
    let set = |s| *stage.lock().unwrap_or_else(PoisonError::into_inner) = s;
    let to: Address = recipient.as_str().parse().map_err(|e| SendError::at(TestStage::Connect, format!("recipient address: {e}")))?;
    let through = format!("{}:{}", relay.host, relay.port);
    let message = test_message(&relay.from, recipient, voice, &to, &through).map_err(|e| SendError::at(TestStage::Connect, e))?.formatted();
    let entering = |step: Step| set(step.stage());
    let mut conn = super::connect::open(relay, hello, bound, entering).await?;
    if let Some(auth) = &relay.auth {
        super::connect::sign_in(&mut conn, auth, bound, entering).await?;
    }
    set(TestStage::Sender);
    // The envelope's sender is the relay's own address, whoever the message
    // speaks for (`sender::addressed`). Non-ASCII addresses need the relay's SMTPUTF8 extension (RFC 6531).
    let mut mail_parameters = vec![];
    let voice_ascii = voice.is_none_or(|v| AsRef::<str>::as_ref(&v.from.email).is_ascii());
    if !AsRef::<str>::as_ref(&relay.from.email).is_ascii() || !recipient.as_str().is_ascii() || !voice_ascii {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            conn.abort().await;
            return Err(SendError::at(TestStage::Sender, "the relay does not accept internationalised addresses (no SMTPUTF8)"));
        }
        mail_parameters.push(MailParameter::SmtpUtfEight);
    }
    conn.command(Mail::new(Some(relay.from.email.clone()), mail_parameters))
        .await
        .map_err(SendError::relay(TestStage::Sender, "the relay refused the sender"))?;
    set(TestStage::Recipient);
    conn.command(Rcpt::new(to, vec![])).await.map_err(SendError::relay(TestStage::Recipient, "the relay refused the recipient"))?;
    set(TestStage::Data);
    conn.command(Data).await.map_err(SendError::relay(TestStage::Data, "the relay refused to take the message"))?;
    let accepted = conn.message(&message).await.map_err(SendError::relay(TestStage::Data, "the relay refused the message"))?;
    let _ = conn.quit().await;
    Ok(describe(&accepted))
}

/// The test email to `recipient` (`to`, parsed), from the sender's `from`
/// or the account's `voice`, saying what it went `through` (a relay's host
/// and port, or Microsoft Graph).
pub(super) fn test_message(from: &Mailbox, recipient: &EmailAddress, voice: Option<&Voice>, to: &Address, through: &str) -> Result<Message, String> {
    let id = crate::tokens::mint("").hash;
    super::sender::addressed(from, voice, to.clone())
        .subject("Gatehouse test email")
        .message_id(Some(format!("<{}@{}>", &id[..32], from.email.domain())))
        .date_now()
        .header(ContentType::TEXT_PLAIN)
        .body(format!(
            "This is a test email from Gatehouse, sent to {recipient} through {through}.\n\
             If you can read it, the SMTP configuration works.\n\n\
             Questa è un'email di prova di Gatehouse: se la leggi, la configurazione SMTP funziona.\n"
        ))
        .map_err(|e| format!("building the test email: {e}"))
}

/// "250 2.0.0 Ok: queued as ABC", quoted (cut to length).
fn describe(response: &Response) -> String {
    let lines: Vec<&str> = response.message().collect();
    quote(&format!("{} {}", response.code(), lines.join(" ")))
}
