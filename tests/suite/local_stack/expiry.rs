//! iDenfy's expiration notice through the local stack to the site's notifications, on both
//! stores.

use super::*;

/// What the local site's receiver accepted for `client_id`, once it holds `count` messages
/// (the notifier runs beside the callbacks, a moment later).
pub(super) async fn notifications_received(
    site_url: &str,
    client_id: &str,
    count: usize,
) -> Vec<Value> {
    let url = format!("{site_url}notifications/{client_id}");
    for _ in 0..100 {
        let list: Vec<Value> = integration_tests::http()
            .get(&url)
            .send()
            .await
            .expect("the receiver answers")
            .json()
            .await
            .expect("a JSON list");
        if list.len() >= count {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {count} notifications reached the site within 10 s");
}

/// A verified pair's end on the site's final page; iDenfy's expiration notice sent from the
/// simulator's dashboard makes it EXPIRED there, and the notifier tells the site once.
async fn an_expiration_notice_reaches_the_site_on(store: StoreChoice) {
    let running = local::start(config(store))
        .await
        .expect("the local stack starts");
    let ran = run_over_http(&running.site_url, &matching())
        .await
        .expect("VERIFIED first");
    let page = integration_tests::http()
        .get(&ran.final_url)
        .send()
        .await
        .expect("the final page")
        .text()
        .await
        .expect("its text");
    // The simulator's sample documents expire 2031-04-30.
    assert!(
        page.contains(r#"data-validity="VALID">Valid until 2031-04-30"#),
        "{page}"
    );
    let page = expiration_notice_over_http(&ran, "document", "DOCUMENT_EXPIRED")
        .await
        .expect("the notice sent");
    assert_eq!(status_of(&page.html).as_deref(), Ok("VERIFIED"));
    assert!(
        page.html.contains(r#"data-validity="EXPIRED""#),
        "{}",
        page.html
    );
    let notified = notifications_received(&running.site_url, &ran.client_id, 2).await;
    let kinds: Vec<&str> = notified
        .iter()
        .map(|n| n["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["verification.decided", "verification.expired"]);
    // The same notice again: recorded once, told once.
    expiration_notice_over_http(&ran, "document", "DOCUMENT_EXPIRED")
        .await
        .expect("sent again");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        notifications_received(&running.site_url, &ran.client_id, 2)
            .await
            .len(),
        2
    );
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiration_notice_reaches_the_site_with_the_embedded_store() {
    an_expiration_notice_reaches_the_site_on(StoreChoice::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiration_notice_reaches_the_site_with_dynamodb() {
    an_expiration_notice_reaches_the_site_on(fresh_dynamodb().await).await;
}
