//! The daily pair cap counts the ledger's sessions: what reached iDenfy, erasure or not.

use super::*;

#[tokio::test]
async fn the_pair_cap_counts_what_reached_idenfy_and_an_erasure_does_not_reset_it() {
    let table = moto_table().await;
    let ledger = moto_ledger(&table).await;
    let stub = IdenfyStub::minting().await;
    mount_deleting(&stub).await;
    let clock = Arc::new(ManualClock::at(T0));
    let handler = issuing(
        &table,
        &ledger,
        &stub,
        &clock,
        &[("MAX_PAIRS_PER_CLIENT_PER_DAY", "2")],
    );
    let client = "USER_CAPPED";
    let (status, _) = answer(&handler, api::issue(&json!({"clientId": client}))).await;
    assert_eq!(status, 201);
    // A restart whose identity token iDenfy refused: its document token was spent.
    refuse_next(&stub, "IDENTIFICATION").await;
    clock.advance(Duration::from_secs(60));
    let restart = json!({"clientId": client, "restart": true});
    assert_eq!(answer(&handler, api::issue(&restart)).await.0, 502);
    let minted = stub.token_requests().await.len();
    clock.advance(Duration::from_secs(60));
    let (status, body) = answer(&handler, api::issue(&restart)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("TOO_MANY_PAIRS")),
        "{body}"
    );
    // Erased: the ledger remembers, so the cap holds.
    let (status, _) = answer(&handler, api::erase_as(client, ERASER)).await;
    assert_eq!(status, 200);
    let (status, body) = answer(&handler, api::issue(&json!({"clientId": client}))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("TOO_MANY_PAIRS")),
        "{body}"
    );
    assert_eq!(
        stub.token_requests().await.len(),
        minted,
        "no token minted past the cap"
    );
    // A day after the first, one more fits.
    clock.advance(DAY);
    let (status, body) = answer(&handler, api::issue(&json!({"clientId": client}))).await;
    assert_eq!(status, 201, "{body}");
    table
        .store
        .delete_table()
        .await
        .expect("dropping the table");
    ledger.delete_table().await.expect("dropping the ledger");
}
