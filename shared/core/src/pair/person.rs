//! What the site already knows of the person, as values that can only hold what iDenfy will
//! accept and compare with the document: a request is parsed into these once, at the
//! boundary, and nothing after it checks them again.

use std::fmt;
use time::Date;
use time::macros::format_description;

/// What the site knows of the person; iDenfy compares it with the document it reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub date_of_birth: Option<DateOfBirth>,
}

/// A first or last name: 1–[`PersonName::MAX_CHARS`] letters of any alphabet, with spaces,
/// hyphens, apostrophes and periods; trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// iDenfy's limit on a token's `firstName` and `lastName`.
    pub const MAX_CHARS: usize = 100;

    pub fn parse(value: &str) -> Result<Self, ValueProblem> {
        let value = value.trim();
        let letters = value
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'));
        if value.is_empty() || value.chars().count() > Self::MAX_CHARS || !letters {
            return Err(ValueProblem::Name);
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A date of birth: a real calendar date, from 1900-01-01 on, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateOfBirth(Date);

impl DateOfBirth {
    pub fn parse(value: &str) -> Result<Self, ValueProblem> {
        let format = format_description!("[year]-[month]-[day]");
        let date = (value.len() == 10)
            .then(|| Date::parse(value, &format).ok())
            .flatten()
            .ok_or(ValueProblem::DateOfBirth)?;
        if date.year() < 1900 {
            return Err(ValueProblem::DateOfBirth);
        }
        Ok(Self(date))
    }

    pub fn date(&self) -> Date {
        self.0
    }
}

impl fmt::Display for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = (self.0.year(), u8::from(self.0.month()), self.0.day());
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

/// Why a value was refused; the message is the API's field error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValueProblem {
    #[error("must be 1-100 letters (spaces, hyphens, apostrophes allowed)")]
    Name,
    #[error("must be a date as YYYY-MM-DD, from 1900 on")]
    DateOfBirth,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_any_alphabet_are_kept_trimmed_and_others_refused() {
        for good in [
            "John",
            "  Jean-Luc ",
            "O'Brien",
            "Олена",
            "محمد",
            "J. R. R.",
        ] {
            let name = PersonName::parse(good).expect(good);
            assert_eq!(name.as_str(), good.trim());
        }
        let longest = "a".repeat(PersonName::MAX_CHARS);
        assert!(PersonName::parse(&longest).is_ok());
        for bad in ["", "   ", "R2D2", "a_b", "x@y", &format!("{longest}a")] {
            assert_eq!(PersonName::parse(bad), Err(ValueProblem::Name), "{bad:?}");
        }
    }

    #[test]
    fn a_date_of_birth_is_a_real_date_from_1900_written_back_as_read() {
        for good in ["1900-01-01", "1990-05-15", "2000-02-29"] {
            assert_eq!(DateOfBirth::parse(good).expect(good).to_string(), good);
        }
        for bad in [
            "1899-12-31",
            "1990-02-30",
            "2001-02-29",
            "1990-5-15",
            "15.05.1990",
            "1990-05-15T00:00:00Z",
            "",
        ] {
            assert_eq!(
                DateOfBirth::parse(bad),
                Err(ValueProblem::DateOfBirth),
                "{bad:?}"
            );
        }
    }
}
