//! The session ledger under random operations on one clientId: issuances and restarts, mints
//! iDenfy fails half-way, renewals of the document link, erasures (also one landing while a
//! token is being minted, so the mint or the renewal loses), the scheduled run, iDenfy
//! refusing deletions for a while, and time passing. Whatever the order: every scanRef ever
//! minted is in the ledger at once; after an erasure and its retries, every one was asked to
//! be deleted, and nothing else was; an erasure that raced a mint leaves no pair behind.

use super::*;
use pair_adapters::store::MemoryLedger;
use pair_app::erasure::ErasureService;
use pair_app::issuance::IssuanceService;
use pair_core::clock::{Clock, ManualClock};
use pair_core::pair::Principal;
use pair_core::ports::idenfy::SessionEraser;
use pair_core::ports::ledger::SessionLedger;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const CLIENT: &str = "USER_LEDGER";

#[derive(Debug, Clone, Copy)]
enum Op {
    Issue {
        restart: bool,
    },
    /// A restart whose `role` token iDenfy refuses, after the other one was minted.
    FailedMint {
        role: Role,
    },
    /// The person follows the continuation after the document link lapsed.
    Renew,
    Erase,
    /// The next token minted finds the clientId erased meanwhile (the mint or renewal loses).
    EraseWhileMinting {
        renew: bool,
    },
    Run,
    Refusing(bool),
    Wait {
        minutes: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<bool>().prop_map(|restart| Op::Issue { restart }),
        2 => prop_oneof![Just(Role::Identity), Just(Role::Document)]
            .prop_map(|role| Op::FailedMint { role }),
        2 => Just(Op::Renew),
        2 => Just(Op::Erase),
        1 => any::<bool>().prop_map(|renew| Op::EraseWhileMinting { renew }),
        2 => Just(Op::Run),
        1 => any::<bool>().prop_map(Op::Refusing),
        2 => (1..=180u64).prop_map(|minutes| Op::Wait { minutes }),
    ]
}

/// iDenfy as the model sees it: mints `scan-<n>`, fails the leg it is told to, erases the
/// clientId at the moment it is told to; deletes sessions unless refusing.
#[derive(Default)]
struct Idenfy {
    next: AtomicUsize,
    minted: Mutex<BTreeSet<String>>,
    fail_leg: Mutex<Option<Role>>,
    erase_on_mint: AtomicBool,
    eraser: OnceLock<ErasureService>,
    refusing: AtomicBool,
    asked: Mutex<Vec<String>>,
    /// The latest identity session's continuation token.
    continuation: Mutex<Option<String>>,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[async_trait::async_trait]
impl SessionIssuer for Idenfy {
    async fn open_session(&self, order: &SessionOrder) -> Result<OpenedSession, IdenfyError> {
        if self.erase_on_mint.swap(false, Ordering::SeqCst)
            && let Some(eraser) = self.eraser.get()
        {
            erase(eraser).await;
        }
        let failing = *locked(&self.fail_leg) == Some(order.role);
        if failing {
            *locked(&self.fail_leg) = None;
            return Err(IdenfyError::Timeout);
        }
        let n = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let scan_ref = format!("scan-{n}");
        locked(&self.minted).insert(scan_ref.clone());
        if order.role == Role::Identity
            && let Some(url) = &order.finish.success
            && let Some((_, token)) = url.split_once("?c=")
        {
            *locked(&self.continuation) = Some(token.to_owned());
        }
        Ok(OpenedSession {
            scan_ref,
            external_ref: format!("idp-{}-{}", order.pair_id, order.role.as_str()),
            url: format!("https://ivs.idenfy.com/api/v2/redirect?authToken=tok-{n}"),
        })
    }

    /// Nobody opens the model's sessions: each ends unused, and a renewal goes ahead.
    async fn session_use(
        &self,
        _: &str,
        _: Instant,
    ) -> Result<pair_core::ports::idenfy::SessionUse, IdenfyError> {
        Ok(pair_core::ports::idenfy::SessionUse::Unused)
    }
}

#[async_trait::async_trait]
impl SessionEraser for Idenfy {
    async fn delete_session(&self, scan_ref: &str, _: Instant) -> Result<(), IdenfyError> {
        locked(&self.asked).push(scan_ref.to_owned());
        if self.refusing.load(Ordering::SeqCst) {
            return Err(IdenfyError::Timeout);
        }
        Ok(())
    }
}

fn client() -> ClientId {
    ClientId::parse(CLIENT).expect("a clientId")
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

async fn erase(eraser: &ErasureService) {
    let by = Principal::parse("dpo").expect("a principal");
    // The store may find the record changed by the racing request: then it is asked again.
    for _ in 0..3 {
        if eraser.erase(&client(), &by, soon()).await.is_ok() {
            return;
        }
    }
}

async fn ledger_holds_every_minted(
    ledger: &MemoryLedger,
    idenfy: &Idenfy,
) -> Result<(), TestCaseError> {
    let recorded: BTreeSet<String> = ledger
        .sessions(&client())
        .await
        .expect("the memory ledger answers")
        .into_iter()
        .map(|e| e.scan_ref)
        .collect();
    let minted = locked(&idenfy.minted).clone();
    prop_assert!(
        minted.is_subset(&recorded),
        "minted but not in the ledger: {:?}",
        minted.difference(&recorded).collect::<Vec<_>>()
    );
    Ok(())
}

/// Nothing of the clientId is live: every session's deletion is asked for (done or pending).
async fn all_asked_for(ledger: &MemoryLedger) -> Result<(), TestCaseError> {
    let entries = ledger.sessions(&client()).await.expect("answers");
    let kept: Vec<&str> = entries
        .iter()
        .filter(|e| e.deletion.is_none())
        .map(|e| e.scan_ref.as_str())
        .collect();
    prop_assert!(kept.is_empty(), "not asked to be deleted: {:?}", kept);
    Ok(())
}

#[test]
fn every_session_minted_is_on_record_and_an_erasure_reaches_every_one() {
    for_every_schedule(
        proptest::collection::vec(op(), 1..24),
        async |ops: Vec<Op>| {
            let store = Arc::new(MemoryStore::new());
            let ledger = Arc::new(MemoryLedger::new());
            let idenfy = Arc::new(Idenfy::default());
            let clock = Arc::new(ManualClock::at(integration_tests::T0));
            let mut policy = integration_tests::policy();
            policy.max_pairs_per_day = 100;
            let issuance = IssuanceService::new(
                store.clone(),
                ledger.clone(),
                idenfy.clone(),
                clock.clone(),
                policy.clone(),
            );
            let eraser = ErasureService::new(
                store.clone(),
                ledger.clone(),
                idenfy.clone(),
                clock.clone(),
                policy.ledger.audit,
            );
            let _ = idenfy.eraser.set(eraser.clone());
            let request = |restart: bool| {
                issue_tokens::parse_issue_request(
                    &json!({"clientId": CLIENT, "restart": restart}),
                    &policy.allowed_origins,
                )
                .expect("a valid request")
            };
            let renew = async || {
                let token = locked(&idenfy.continuation).clone();
                if let Some(token) = token {
                    // Past the document link's life: a fresh token is minted.
                    clock.advance(policy.document_expiry() + Duration::from_secs(60));
                    let _ = issuance.follow(&client(), &token, soon()).await;
                }
            };
            for op in ops {
                match op {
                    Op::Issue { restart } => {
                        let _ = issuance.issue(&request(restart)).await;
                    }
                    Op::FailedMint { role } => {
                        *locked(&idenfy.fail_leg) = Some(role);
                        let failed = issuance.issue(&request(true)).await;
                        *locked(&idenfy.fail_leg) = None;
                        prop_assert!(failed.is_err(), "a mint with a failed leg issued a pair");
                    }
                    Op::Renew => renew().await,
                    Op::Erase => {
                        erase(&eraser).await;
                        all_asked_for(&ledger).await?;
                    }
                    Op::EraseWhileMinting { renew: renewing } => {
                        idenfy.erase_on_mint.store(true, Ordering::SeqCst);
                        if renewing {
                            renew().await;
                        } else {
                            let _ = issuance.issue(&request(true)).await;
                        }
                        if !idenfy.erase_on_mint.swap(false, Ordering::SeqCst) {
                            // The erasure landed mid-mint: the racing request created nothing.
                            let record = store.load(&client()).await.expect("readable");
                            prop_assert!(
                                record.as_ref().is_some_and(|r| r.pair.is_none()),
                                "a pair survived the erasure it raced: {:?}",
                                record
                            );
                            // And the token it minted is on its way out too.
                            all_asked_for(&ledger).await?;
                        }
                    }
                    Op::Run => {
                        eraser
                            .run(50, soon())
                            .await
                            .expect("the memory stores answer");
                    }
                    Op::Refusing(refusing) => idenfy.refusing.store(refusing, Ordering::SeqCst),
                    Op::Wait { minutes } => clock.advance(Duration::from_secs(minutes * 60)),
                }
                ledger_holds_every_minted(&ledger, &idenfy).await?;
            }

            // A last erasure, and the runs that follow it once iDenfy deletes again.
            idenfy.refusing.store(false, Ordering::SeqCst);
            let minted = locked(&idenfy.minted).clone();
            if minted.is_empty() {
                return Ok(());
            }
            erase(&eraser).await;
            for _ in 0..5 {
                clock.advance(policy.document_expiry() + Duration::from_secs(3600));
                eraser
                    .run(50, soon())
                    .await
                    .expect("the memory stores answer");
            }
            let asked: BTreeSet<String> = locked(&idenfy.asked).iter().cloned().collect();
            prop_assert_eq!(&asked, &minted, "asked to delete exactly what was minted");
            let pending = ledger
                .pending_deletions(clock.now())
                .await
                .expect("the memory ledger answers");
            prop_assert_eq!(pending.count, 0, "still waiting after the runs");
            let entries = ledger.sessions(&client()).await.expect("answers");
            prop_assert!(entries.iter().all(|e| e.is_deleted()), "{:?}", entries);
            Ok(())
        },
    );
}
