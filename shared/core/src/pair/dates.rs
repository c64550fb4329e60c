//! Dates as documents carry them. iDenfy types `docDob` and `docExpiry` as free strings; every
//! example is `YYYY-MM-DD`. Anything else is unreadable, and an unreadable date is never taken
//! as a valid one. The decision day is the injected clock's, in UTC.

use crate::clock::Timestamp;
use time::{Date, Month, OffsetDateTime};

/// `YYYY-MM-DD` (a time after a `T` is ignored), a real calendar day; else `None`.
pub fn parse(text: &str) -> Option<Date> {
    let text = text.trim();
    let day = match text.split_once('T') {
        Some((day, _)) => day,
        None => text,
    };
    let bytes = day.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u16> {
        let part = day.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let year = i32::from(digits(0..4)?);
    let month = Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// The UTC day of `at`.
pub fn day_of(at: Timestamp) -> Date {
    OffsetDateTime::from_unix_timestamp(at.unix_seconds()).map_or(Date::MIN, OffsetDateTime::date)
}

/// `YYYY-MM-DD`, as documents and the API write a day.
pub fn format(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The first second of `date`, UTC.
pub fn start_of(date: Date) -> Timestamp {
    Timestamp::from_unix_seconds(date.midnight().assume_utc().unix_timestamp())
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    (to - from).whole_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_real_iso_days() {
        let date = |y, m, d| Date::from_calendar_date(y, m, d).ok();
        assert_eq!(parse("2031-04-30"), date(2031, Month::April, 30));
        assert_eq!(parse(" 2024-02-29 "), date(2024, Month::February, 29));
        assert_eq!(parse("2031-04-30T00:00:00Z"), date(2031, Month::April, 30));
        for unreadable in [
            "2023-02-29",
            "2031-4-30",
            "30.04.2031",
            "2031/04/30",
            "20310430",
            "2031-04-3x",
            "+031-04-30",
            "2031-13-01",
            "2031-00-10",
            "",
            "UNLIMITED",
            "２０３１-04-30",
        ] {
            assert_eq!(parse(unreadable), None, "{unreadable:?}");
        }
    }

    #[test]
    fn days_are_written_back_as_read() {
        for day in ["2031-04-30", "2024-02-29", "0999-01-01"] {
            assert_eq!(format(parse(day).unwrap()), day);
        }
        let day = parse("2026-12-05").unwrap();
        assert_eq!(start_of(day).unix_seconds(), 1_796_428_800);
        assert_eq!(day_of(start_of(day)), day);
    }

    #[test]
    fn the_decision_day_is_utc() {
        // 2026-12-05T23:59:59Z and the next second.
        let late = Timestamp::from_unix_seconds(1_796_515_199);
        assert_eq!(day_of(late), parse("2026-12-05").unwrap());
        let next = Timestamp::from_unix_seconds(1_796_515_200);
        assert_eq!(day_of(next), parse("2026-12-06").unwrap());
        assert_eq!(
            days_between(parse("2026-12-05").unwrap(), parse("2027-01-04").unwrap()),
            30
        );
        assert_eq!(
            days_between(parse("2026-12-05").unwrap(), parse("2026-12-04").unwrap()),
            -1
        );
    }
}
