//! The outbox queue's storage on its own, against a migrated database: what a
//! claim takes and in which order, what a release gives back, and (SQLite)
//! that the claim reads the due index instead of sorting every due email.
//! Delivery end to end is in delivery.rs.

use crate::support;

use gatehouse_core::storage::{now, Db, Engine, PartSearch};
use gatehouse_core::test_support::outbox::{self as storage, Claimed};
use gatehouse_core::test_support::RawStorage;
use shared::outbox::EmailFilter;
use support::{Backend, TestDb};

const LEASE: i64 = 120;

/// Puts one email in the outbox in the given state; returns its id.
async fn put(db: &Db, status: &str, attempts: i64, next_attempt_at: i64) -> i64 {
    put_to(db, "someone@example.com", status, attempts, next_attempt_at).await
}

async fn put_to(db: &Db, to: &str, status: &str, attempts: i64, next_attempt_at: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO outbox (kind, user_id, to_email, subject, text_body, html_body, message_id, status, attempts, next_attempt_at, created_at) \
         VALUES ('invitation', NULL, $5, 'Subject', 'text', '<p>html</p>', '<id@example.com>', $1, $2, $3, $4) RETURNING id",
    )
    .bind(status)
    .bind(attempts)
    .bind(next_attempt_at)
    .bind(now())
    .bind(to)
    .fetch_one(db.write_pool())
    .await
    .unwrap()
}

async fn state_of(db: &Db, id: i64) -> (String, i64) {
    let row: (String, i64) = sqlx::query_as("SELECT status, attempts FROM outbox WHERE id = $1").bind(id).fetch_one(db.read_pool()).await.unwrap();
    row
}

fn ids(claimed: &[Claimed]) -> Vec<i64> {
    claimed.iter().map(|c| c.id).collect()
}

async fn connect(test_db: &TestDb) -> Db {
    Db::connect(&test_db.url).await.unwrap()
}

async fn a_claim_takes_due_emails_oldest_first_up_to_its_limit(test_db: TestDb) {
    let db = connect(&test_db).await;
    let t = now();
    let later = put(&db, "queued", 0, t - 10).await;
    let oldest = put(&db, "retrying", 2, t - 100).await;
    let _not_yet_due = put(&db, "retrying", 1, t + 600).await;
    let _done = put(&db, "sent", 1, t - 1000).await;
    let _failed = put(&db, "failed", 8, t - 1000).await;
    let _held_by_a_live_worker = put(&db, "sending", 1, t + 60).await;
    let lease_ran_out = put(&db, "sending", 1, t - 50).await;

    let first = storage::claim(db.write_pool(), db.engine, LEASE, 2).await.unwrap();
    let mut got = ids(&first);
    got.sort();
    let mut expected = vec![oldest, lease_ran_out];
    expected.sort();
    assert_eq!(got, expected, "the two due longest");
    assert!(first.iter().all(|c| c.lease_until >= t + LEASE));
    assert_eq!(state_of(&db, oldest).await, ("sending".into(), 3), "a claim counts an attempt");

    let second = storage::claim(db.write_pool(), db.engine, LEASE, 10).await.unwrap();
    assert_eq!(ids(&second), vec![later], "then the rest that is due, and nothing else");
    assert!(storage::claim(db.write_pool(), db.engine, LEASE, 10).await.unwrap().is_empty(), "claimed emails are not claimed twice");
}

async fn released_emails_are_due_again_as_they_were(test_db: TestDb) {
    let db = connect(&test_db).await;
    let t = now();
    let fresh = put(&db, "queued", 0, t - 5).await;
    let retried = put(&db, "retrying", 3, t - 5).await;
    let claimed = storage::claim(db.write_pool(), db.engine, LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);

    // A release with another claim's lease changes nothing.
    storage::release(db.write_pool(), claimed[0].lease_until + 1, &ids(&claimed)).await.unwrap();
    assert_eq!(state_of(&db, fresh).await.0, "sending");

    storage::release(db.write_pool(), claimed[0].lease_until, &ids(&claimed)).await.unwrap();
    assert_eq!(state_of(&db, fresh).await, ("queued".into(), 0));
    assert_eq!(state_of(&db, retried).await, ("retrying".into(), 3));
    let again = storage::claim(db.write_pool(), db.engine, LEASE, 10).await.unwrap();
    assert_eq!(ids(&again).len(), 2, "due at once");
}

/// The ids of the emails a search for `part` lists, newest first.
async fn search(db: &Db, part: &str, before: Option<i64>, limit: i64) -> Vec<i64> {
    let filter = EmailFilter { recipient: Some(part.into()), ..EmailFilter::default() };
    storage::list(db, &filter, None, before, limit).await.unwrap().iter().map(|e| e.id).collect()
}

/// The trigram index (migration 0014) only proposes candidates: the search
/// still matches the part exactly, in any case, with `%` and `_` meaning
/// themselves, and the index follows every insert, change and delete.
async fn a_recipient_search_finds_exactly_the_part_asked_for(test_db: TestDb) {
    let db = connect(&test_db).await;
    let t = now();
    let ann = put_to(&db, "Ann_Lee@Example.com", "sent", 1, t).await;
    let annx = put_to(&db, "annxlee@example.com", "sent", 1, t).await;
    let bob = put_to(&db, "bob%50@example.org", "failed", 3, t).await;
    let carol = put_to(&db, "carol@example.net", "queued", 0, t).await;
    let backslash = put_to(&db, "x\\y@example.net", "queued", 0, t).await;

    assert_eq!(search(&db, "ann_lee", None, 10).await, vec![ann], "`_` is not a wildcard");
    assert_eq!(search(&db, "%50", None, 10).await, vec![bob], "`%` is not a wildcard");
    assert_eq!(search(&db, "EXAMPLE.COM", None, 10).await, vec![annx, ann], "any case, newest first");
    assert_eq!(search(&db, "an", None, 10).await, vec![annx, ann], "shorter than a trigram: read in full");
    assert_eq!(search(&db, "example", None, 2).await, vec![backslash, carol], "a page");
    assert_eq!(search(&db, "example", Some(carol), 2).await, vec![bob, annx], "the next page");
    assert!(search(&db, "dave", None, 10).await.is_empty());
    assert_eq!(search(&db, "x\\y@", None, 10).await, vec![backslash], "`\\` is not an escape");

    sqlx::query("UPDATE outbox SET to_email = 'dave@example.net' WHERE id = $1").bind(carol).execute(db.write_pool()).await.unwrap();
    sqlx::query("DELETE FROM outbox WHERE id = $1").bind(annx).execute(db.write_pool()).await.unwrap();
    assert_eq!(search(&db, "dave@", None, 10).await, vec![carol], "a changed address is found");
    assert!(search(&db, "carol", None, 10).await.is_empty(), "and its old one is not");
    assert_eq!(search(&db, "example.com", None, 10).await, vec![ann], "a deleted email is gone");
}

on_both_databases!(
    a_claim_takes_due_emails_oldest_first_up_to_its_limit,
    released_emails_are_due_again_as_they_were,
    a_recipient_search_finds_exactly_the_part_asked_for,
    an_email_cancelled_while_being_sent_stays_cancelled_unless_it_went_out,
    one_settle_records_a_group_and_claims_the_next
);

/// The worker's one commit per group: what became of each email of the group
/// just sent (sent, to retry, failed, never tried), and the next group claimed.
async fn one_settle_records_a_group_and_claims_the_next(test_db: TestDb) {
    let db = connect(&test_db).await;
    let t = now();
    for i in 0..6 {
        put(&db, "queued", 0, t - 100 + i).await;
    }
    let group = storage::claim(db.write_pool(), db.engine, LEASE, 4).await.unwrap();
    let [sent, refused, given_up, untried] = ids(&group)[..] else { panic!("four claimed") };
    let done = storage::Outcomes {
        sent: vec![(sent, shared::smtp::RelayRole::Primary)],
        retry: vec![(refused, "421 try later".into(), t + 60)],
        failed: vec![(given_up, "550 no such user".into())],
        unsent: vec![(group[3].lease_until, vec![untried])],
    };
    let next = storage::settle(&db, &done, Some((LEASE, 10))).await.unwrap();
    assert_eq!(state_of(&db, sent).await, ("sent".into(), 1));
    assert_eq!(state_of(&db, refused).await, ("retrying".into(), 1));
    assert_eq!(state_of(&db, given_up).await, ("failed".into(), 1));
    // Given back as it was before the claim, then claimed again by the same commit.
    assert!(ids(&next).contains(&untried), "the untried email is due again at once");
    assert_eq!(next.len(), 3, "the untried one and the two never claimed");
    assert_eq!(state_of(&db, untried).await, ("sending".into(), 1), "its attempt was not counted twice");
    assert!(storage::settle(&db, &storage::Outcomes::default(), None).await.unwrap().is_empty(), "nothing to record, nothing claimed");
}

/// A user removed (or moved) while their invitation is being sent: the
/// email is cancelled at once; the attempt's outcome then keeps it so when
/// the relay refused it (no retry carries the dead link later), and records
/// it sent when the relay had taken it.
async fn an_email_cancelled_while_being_sent_stays_cancelled_unless_it_went_out(test_db: TestDb) {
    let db = connect(&test_db).await;
    let user: i64 = sqlx::query_scalar("INSERT INTO users (email, password_hash, role, account_id, created_at, language) VALUES ('gone@example.com', NULL, 'host_user', NULL, 0, NULL) RETURNING id")
        .fetch_one(db.write_pool())
        .await
        .unwrap();
    let mut in_flight = Vec::new();
    for _ in 0..3 {
        let id = put(&db, "queued", 0, now() - 1).await;
        sqlx::query("UPDATE outbox SET user_id = $1 WHERE id = $2").bind(user).bind(id).execute(db.write_pool()).await.unwrap();
        in_flight.push(id);
    }
    let claimed = storage::claim(db.write_pool(), db.engine, LEASE, 10).await.unwrap();
    assert_eq!(ids(&claimed), in_flight, "all three are being sent");
    let mut conn = db.write_pool().acquire().await.unwrap();
    assert_eq!(storage::cancel_link_emails_of(&mut conn, user, "cancelled: the user was removed").await.unwrap(), 3);
    drop(conn);
    let [refused, given_up, taken] = in_flight[..] else { unreachable!() };
    storage::mark_retry(db.write_pool(), refused, "421 try later", now() + 60).await.unwrap();
    storage::mark_failed(db.write_pool(), given_up, "550 no such user").await.unwrap();
    storage::mark_sent(db.write_pool(), &[taken], shared::smtp::RelayRole::Primary).await.unwrap();
    assert_eq!(state_of(&db, refused).await.0, "cancelled", "a refused attempt does not bring it back for a retry");
    assert_eq!(state_of(&db, given_up).await.0, "cancelled");
    assert_eq!(state_of(&db, taken).await.0, "sent", "the relay took it: it went out");
    assert!(storage::claim(db.write_pool(), db.engine, LEASE, 10).await.unwrap().is_empty(), "nothing left to claim");
}

/// With thousands queued, a claim must walk the partial index `outbox_due` in
/// order. A plan that gathers every due email and sorts it (a temp B-tree)
/// made each claim cost milliseconds at 20,000 queued. SQLite only: its
/// planner has no statistics to fall back on, PostgreSQL's has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_the_claim_reads_the_due_index_in_order() {
    let test_db = TestDb::new(Backend::Sqlite).await;
    let db = connect(&test_db).await;
    assert_eq!(db.engine, Engine::Sqlite);
    let t = now();
    for i in 0..2000 {
        put(&db, if i % 2 == 0 { "queued" } else { "sent" }, 0, t - i).await;
    }
    let plan = explain(&db, t).await;
    let text = plan.join(" | ");
    assert!(text.contains("USING INDEX outbox_due"), "claim plan: {text}");
    assert!(!text.contains("TEMP B-TREE"), "claim plan sorts: {text}");
}

/// EXPLAIN QUERY PLAN rows are (id, parent, notused, detail).
async fn explain(db: &Db, t: i64) -> Vec<String> {
    use sqlx::Row;
    let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {}", storage::claim_statement(Engine::Sqlite)))
        .bind(t)
        .bind(t + LEASE)
        .bind(16_i64)
        .fetch_all(db.read_pool())
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get::<String, _>(3).unwrap()).collect()
}

/// The lists that must scale to 100,000 users and 1,000,000 emails read an
/// index in order, whatever the filters: users by `users_email` (the keyset
/// is the address), emails by the primary key, newest first. A sort (temp
/// B-tree) would cost a pass over every row for each page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_the_lists_read_their_index_in_order() {
    use sqlx::Row;
    let test_db = TestDb::new(Backend::Sqlite).await;
    let db = connect(&test_db).await;
    let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {}", gatehouse_core::test_support::identity::page_statement(Engine::Sqlite, PartSearch::Trigram)))
        .bind(0_i64)
        .bind("")
        .bind("")
        .bind("")
        .bind("")
        .bind(100_i64)
        .bind(0_i64)
        .fetch_all(db.read_pool())
        .await
        .unwrap();
    let users = rows.iter().map(|r| r.try_get::<String, _>(3).unwrap()).collect::<Vec<_>>().join(" | ");
    assert!(users.contains("USING INDEX users_email"), "users page plan: {users}");
    assert!(!users.contains("TEMP B-TREE"), "users page plan sorts: {users}");

    let emails = list_plan(&db, PartSearch::Scan).await;
    // The primary key below the cursor, newest first.
    assert!(emails.contains("SEARCH outbox USING INTEGER PRIMARY KEY (rowid<?)") && !emails.contains("TEMP B-TREE"), "emails page plan: {emails}");
    // A search by a part of the address: ids from the trigram index, newest
    // first, each email then found by its primary key.
    let search = list_plan(&db, PartSearch::Trigram).await;
    assert!(
        search.contains("VIRTUAL TABLE") && search.contains("SEARCH o USING INTEGER PRIMARY KEY") && !search.contains("TEMP B-TREE"),
        "recipient search plan: {search}"
    );
}

async fn list_plan(db: &Db, search: PartSearch) -> String {
    use sqlx::Row;
    let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {}", storage::list_statement(Engine::Sqlite, search)))
        .bind("")
        .bind("")
        .bind("user4242@")
        .bind(0_i64)
        .bind(i64::MAX)
        .bind(100_i64)
        .fetch_all(db.read_pool())
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get::<String, _>(3).unwrap()).collect::<Vec<_>>().join(" | ")
}
