//! The one conformance suite both queue backends must pass. Redis cases
//! talk to a real redis-server named by `CRASHKIT_TEST_REDIS_URL`
//! (scripts/test.sh starts one); with `CI` set a missing server fails.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::crash_id::{CrashId, Throttle};

fn message() -> Message {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    Message::new(CrashId::generate(Throttle::Accept, date), None)
}

type Opener = Arc<dyn Fn() -> futures::future::BoxFuture<'static, Box<dyn Queue>> + Send + Sync>;

pub(super) async fn ordering_across_queues(open: Opener) {
    let q = open().await;
    let (p, s, r) = (message(), message(), message());
    publish(&*q, QueueName::Reprocessing, &r).await.unwrap();
    publish(&*q, QueueName::Standard, &s).await.unwrap();
    publish(&*q, QueueName::Priority, &p).await.unwrap();
    let got = q.pull(10, Duration::from_secs(30)).await.unwrap();
    let order: Vec<_> = got
        .iter()
        .map(|d| (d.queue, d.message().unwrap().crash_id))
        .collect();
    assert_eq!(
        order,
        vec![
            (QueueName::Priority, p.crash_id),
            (QueueName::Standard, s.crash_id),
            (QueueName::Reprocessing, r.crash_id)
        ]
    );
    for d in &got {
        assert_eq!(d.deliveries, 1);
    }
}

pub(super) async fn lease_expiry_and_redelivery(open: Opener) {
    let q = open().await;
    let m = message();
    publish(&*q, QueueName::Standard, &m).await.unwrap();
    let first = q.pull(10, Duration::from_millis(300)).await.unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        q.pull(10, Duration::from_millis(300))
            .await
            .unwrap()
            .is_empty(),
        "leased messages are not handed out"
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    let again = q.pull(10, Duration::from_millis(300)).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].message().unwrap(), m);
    assert_eq!(again[0].deliveries, 2);
    assert_eq!(q.backlog(QueueName::Standard).await.unwrap(), 1);
}

pub(super) async fn ack_is_final_and_idempotent(open: Opener) {
    let q = open().await;
    publish(&*q, QueueName::Standard, &message()).await.unwrap();
    let got = q.pull(10, Duration::from_millis(200)).await.unwrap();
    q.ack(&got[0]).await.unwrap();
    q.ack(&got[0]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(q
        .pull(10, Duration::from_millis(200))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(q.backlog(QueueName::Standard).await.unwrap(), 0);
}

pub(super) async fn nack_gives_back_at_once(open: Opener) {
    let q = open().await;
    let m = message();
    publish(&*q, QueueName::Priority, &m).await.unwrap();
    let got = q.pull(1, Duration::from_secs(60)).await.unwrap();
    q.nack(&got[0]).await.unwrap();
    let again = q.pull(1, Duration::from_secs(60)).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].message().unwrap(), m);
}

pub(super) async fn retry_later_waits_and_does_not_count(open: Opener) {
    let q = open().await;
    let m = message();
    let lease = Duration::from_secs(60);
    publish(&*q, QueueName::Standard, &m).await.unwrap();
    let mut got = q.pull(1, lease).await.unwrap();
    for _ in 0..3 {
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].deliveries, 1, "a retry later is not a delivery");
        q.retry_later(&got[0], Duration::from_millis(300), lease)
            .await
            .unwrap();
        assert!(
            q.pull(1, lease).await.unwrap().is_empty(),
            "not before the delay"
        );
        tokio::time::sleep(Duration::from_millis(450)).await;
        got = q.pull(1, lease).await.unwrap();
    }
    assert_eq!(got[0].message().unwrap(), m);
    q.ack(&got[0]).await.unwrap();
}

pub(super) async fn dead_letter_after_repeated_deliveries(open: Opener) {
    let q = open().await;
    let m = message();
    publish(&*q, QueueName::Standard, &m).await.unwrap();
    let mut last = None;
    for expected in 1..=3u32 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let got = q.pull(1, Duration::from_millis(100)).await.unwrap();
        assert_eq!(got.len(), 1, "delivery {expected}");
        assert_eq!(got[0].deliveries, expected);
        last = got.into_iter().next();
    }
    q.dead_letter(&last.unwrap(), "delivered 3 times")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(q
        .pull(1, Duration::from_millis(100))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(q.backlog(QueueName::Standard).await.unwrap(), 0);
    let dead = q.dead_letters().await.unwrap();
    assert_eq!(dead, vec![m.encode()]);
}

pub(super) async fn concurrent_consumers_never_share_a_live_lease(open: Opener) {
    let q = open().await;
    for _ in 0..200 {
        publish(&*q, QueueName::Standard, &message()).await.unwrap();
    }
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let consumer = open().await;
        tasks.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let got = consumer.pull(7, Duration::from_secs(60)).await.unwrap();
                if got.is_empty() {
                    break;
                }
                seen.extend(got.into_iter().map(|d| d.body));
            }
            seen
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 200, "every message delivered once");
    assert_eq!(unique.len(), 200, "no message delivered twice");
}

pub(super) async fn the_test_message_is_recognised(open: Opener) {
    let q = open().await;
    q.publish_raw(QueueName::Standard, "test").await.unwrap();
    let got = q.pull(5, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].is_test());
    assert!(got[0].message().is_none());
    q.ack(&got[0]).await.unwrap();
    assert_eq!(q.backlog(QueueName::Standard).await.unwrap(), 0);
}

macro_rules! conformance {
    ($($case:ident),+ $(,)?) => {
        mod spool {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().to_owned();
                    let open: super::Opener = std::sync::Arc::new(move || {
                        let path = path.clone();
                        Box::pin(async move { super::open(path.to_str().unwrap()).await.unwrap() })
                    });
                    super::$case(open).await;
                }
            )+
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let Some(url) = super::redis_url() else { return };
                    let open: super::Opener = std::sync::Arc::new(move || {
                        let url = url.clone();
                        Box::pin(async move { super::open(&url).await.unwrap() })
                    });
                    super::$case(open).await;
                }
            )+
        }
    };
}

conformance!(
    ordering_across_queues,
    lease_expiry_and_redelivery,
    ack_is_final_and_idempotent,
    nack_gives_back_at_once,
    retry_later_waits_and_does_not_count,
    dead_letter_after_repeated_deliveries,
    concurrent_consumers_never_share_a_live_lease,
    the_test_message_is_recognised,
);

/// A Redis URL with a fresh key prefix, or `None` (skipped) outside CI.
fn redis_url() -> Option<String> {
    match std::env::var("CRASHKIT_TEST_REDIS_URL") {
        Ok(url) => Some(format!(
            "{url}?prefix=test-{}",
            uuid::Uuid::new_v4().simple()
        )),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but CRASHKIT_TEST_REDIS_URL is not: the queue suite needs redis-server (scripts/test.sh starts it)")
        }
        Err(_) => {
            eprintln!("skipping Redis queue case: CRASHKIT_TEST_REDIS_URL is not set (scripts/test.sh sets it)");
            None
        }
    }
}
