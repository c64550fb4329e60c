//! The store ports: one record per clientId, read consistently, written only under a
//! condition on what was read. Each function gets the port it uses — issuance an
//! [`VerificationsStore`], the callback a [`ResultStore`] — so a test double implements only that.
//! Two adapters implement them all with the same semantics (`pair_adapters::store`: DynamoDB
//! and in memory).
use crate::clock::Timestamp;
use crate::pair::machine::{ClaimReview, ClaimWrite, Install};
use crate::pair::queue::{Queue, QueuePage, QueuePosition, Waiting};
use crate::pair::validity::ExpiryUpdate;
use crate::pair::{
    ClientId, ExpiryWatch, HalfResult, PairRecord, PreviousPair, Threshold, Verdict,
};
use async_trait::async_trait;

#[async_trait]
pub trait PairReader: Send + Sync {
    /// The record as last written (strongly consistent), expired or not.
    async fn load(&self, client_id: &ClientId) -> Result<Option<PairRecord>, StoreError>;
}

#[async_trait]
pub trait VerdictStore: Send + Sync {
    /// Records the verdict if [`crate::pair::machine::accept_verdict`] allows it: true when
    /// this call wrote it, false when the pair was decided on these results already, revised
    /// since, or replaced.
    async fn record_verdict(&self, client_id: &ClientId, decision: Decision<'_>) -> Written;
}

/// What a reviewer's decision needs: read the pair, record a verdict under the rules.
pub trait ReviewStore: PairReader + VerdictStore {}

/// Read, and replace a record whole under the version read (so no attribute of the old one
/// survives): the writes of an erasure and of a continuation.
#[async_trait]
pub trait ReplaceStore: PairReader {
    /// Writes `record` whole if the stored one is still at `expected_version`, else `Conflict`.
    async fn replace(&self, record: &PairRecord, expected_version: u64) -> Result<(), StoreError>;
}

/// What an erasure needs of the pairs table: replace a record, or write the audit of a
/// clientId whose record is gone.
#[async_trait]
pub trait ErasureStore: ReplaceStore {
    /// Writes `record` if the table holds none for its clientId, else `Conflict`.
    async fn create(&self, record: &PairRecord) -> Result<(), StoreError>;
}

/// What issuance needs: read, claim, mint under the claim — and decide on read a pair whose
/// verdict a crash left undone. The issuance function serves the reviewer's and the eraser's
/// routes too (the queue's among them), and the daily expiry run.
#[async_trait]
pub trait VerificationsStore:
    ReviewStore + ReviewQueueStore + ErasureStore + ExpiryWatchStore
{
    /// Claims the clientId for minting if [`crate::pair::machine::claimed`] allows it, else
    /// `Conflict`. Only the claim, the expiry and the version change: a live pair is left as it is.
    async fn claim(&self, client_id: &ClientId, write: &ClaimWrite) -> Result<(), StoreError>;

    /// Gives the claim `claim_id` back, if it is still held ([`crate::pair::machine::released`]).
    async fn release(&self, client_id: &ClientId, claim_id: &str) -> Result<(), StoreError>;

    /// Puts a minted pair in place under its claim ([`crate::pair::machine::installed`]), else
    /// `Conflict`.
    async fn install(&self, client_id: &ClientId, install: &Install) -> Result<(), StoreError>;
}

/// What a replaced pair's late result needs: its history entry written under the version read.
#[async_trait]
pub trait HistoryStore: PairReader {
    /// Writes the record's `previous_pairs` ([`crate::pair::machine::accept_late`]) if the
    /// record is still at `read_version`, else `Conflict`.
    async fn record_late(
        &self,
        client_id: &ClientId,
        read_version: u64,
        previous_pairs: &[PreviousPair],
    ) -> Result<(), StoreError>;
}

/// What the callback needs: store a half, then record the verdict it makes due — and
/// iDenfy's document-expiration notices, and a replaced pair's late results.
#[async_trait]
pub trait ResultStore: VerdictStore + ExpiryStore + HistoryStore {
    /// Stores a callback's half if [`crate::pair::machine::accept_half`] allows it, in one
    /// conditional write. Returns the record after the write, or as it stood when refused.
    async fn record_half(&self, client_id: &ClientId, arrival: Arrival<'_>) -> HalfWritten;
}

/// What iDenfy's document-expiration webhook needs: read the pair, record the notice.
#[async_trait]
pub trait ExpiryStore: PairReader {
    /// Writes the pair's expiry state and watch if the record is still at the version read
    /// ([`crate::pair::machine::with_expiry`]), else `Conflict`.
    async fn record_expiry(
        &self,
        client_id: &ClientId,
        update: &ExpiryUpdate,
    ) -> Result<(), StoreError>;
}

/// What the daily expiry run needs besides: the watched pairs due by a day.
#[async_trait]
pub trait ExpiryWatchStore: ExpiryStore {
    /// Up to `limit` clientIds whose watch is at `threshold` and due on `day` (`YYYY-MM-DD`)
    /// or before, from the sparse expiry-watch index (never a scan).
    async fn watched_due(
        &self,
        threshold: Threshold,
        day: &str,
        limit: usize,
    ) -> Result<Vec<ClientId>, StoreError>;
}

/// What the reviewers' queue needs: a page of the pairs waiting, and a claim on one.
#[async_trait]
pub trait ReviewQueueStore: PairReader {
    /// Up to `limit` entries of `queue` after `after`, oldest first, in one read of the
    /// sparse review-queue index (never a scan); entries whose record has expired at `now`
    /// are looked at (they count towards `limit`) but not listed.
    async fn waiting(
        &self,
        queue: Queue,
        after: Option<&QueuePosition>,
        limit: usize,
        now: Timestamp,
    ) -> Result<QueuePage, StoreError>;

    /// Records `write` ([`crate::pair::machine::claimed_review`]) if the record is still at the
    /// version read, else `Conflict`.
    async fn claim_review(
        &self,
        client_id: &ClientId,
        write: &ClaimReview,
    ) -> Result<(), StoreError>;
}

/// Writing a whole record: seeding tests, benchmarks and fixtures. No function uses it.
#[async_trait]
pub trait SeedStore: PairReader {
    /// Writes `record` whole if the stored one is still as `expected`, else `Conflict`.
    /// `record.version` is the version being written.
    async fn save(&self, record: &PairRecord, expected: Expected) -> Result<(), StoreError>;
}

/// A callback's half for the session `scan_ref`, arriving at `now`.
#[derive(Debug, Clone, Copy)]
pub struct Arrival<'a> {
    pub scan_ref: &'a str,
    pub half: &'a HalfResult,
    pub now: Timestamp,
}

/// A verdict for the pair `pair_id`; `replaces` is the pair's verdict as read (the one this
/// follows), kept in the pair's history. With it the record's expiry watch is set (a
/// VERIFIED pair with a known end) or cleared, and the record kept for it (`keep_until`,
/// later than the record's expiry as read); and the pair enters, stays in or leaves the
/// review queue (`waiting`). A reviewer's verdict is written only while no one else's claim
/// holds at its `decided_at` ([`crate::pair::machine::held_by_other`]).
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    pub pair_id: &'a str,
    pub verdict: &'a Verdict,
    pub replaces: Option<&'a Verdict>,
    pub watch: Option<ExpiryWatch>,
    pub keep_until: Option<Timestamp>,
    /// The review queue's entry the verdict leaves ([`crate::pair::Pair::waiting`]): since
    /// when and what it shows, or none (the pair leaves the queue, with any claim).
    pub waiting: Option<(Timestamp, Waiting)>,
}

impl crate::pair::Pair {
    /// `verdict` as a decision on this pair as read (of a record expiring at `expires_at`):
    /// it follows the pair's current verdict.
    pub fn decision<'a>(&'a self, verdict: &'a Verdict, expires_at: Timestamp) -> Decision<'a> {
        let mut decided = self.clone();
        crate::pair::machine::with_verdict(&mut decided, verdict.clone());
        Decision {
            pair_id: &self.pair_id,
            verdict,
            replaces: self.verdict.as_ref(),
            watch: decided.expiry_watch(),
            keep_until: decided
                .kept_for_watch_until(verdict.decided_at)
                .filter(|keep| *keep > expires_at),
            waiting: decided.waiting(),
        }
    }
}

/// Whether a verdict was written by this call.
pub type Written = Result<bool, StoreError>;

/// How a half's write ended.
pub type HalfWritten = Result<HalfWrite, StoreError>;

/// The condition a whole-record write is made under: the record must still be as it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    Absent,
    Version(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HalfWrite {
    /// The half was stored; the record as written.
    Stored(PairRecord),
    /// The rules refused the write; the record as it stood (`None`: no record at all).
    Refused(Option<PairRecord>),
}

/// A store call that failed. The text of `Unavailable` and `Corrupt` comes from the SDK or
/// the stored item: it goes to the log, never into a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("the record changed since it was read")]
    Conflict,
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    #[error("a stored record could not be read: {0}")]
    Corrupt(String),
}
