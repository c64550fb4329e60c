//! Comparing names as two documents print them. Both are normalised (upper case, hyphens as
//! spaces, apostrophes dropped, spaces collapsed) and then equal under one of a few readings,
//! each applied to both names alike:
//!
//! - plain: diacritics dropped (MÜLLER → MULLER, ŁUKASZ → LUKASZ);
//! - ICAO 9303 (Part 3, "Transliteration of multinational Latin-based characters"), the rule
//!   machine-readable zones use: Ä → AE, Ö/Ø → OE, Ü → UE, Å → AA, Æ → AE, ß → SS, Þ → TH;
//! - Serbo-Croatian: Đ → DJ, as Serbian, Montenegrin and Bosnian documents write it where the
//!   letter cannot be printed (ĐOKOVIĆ → DJOKOVIC; Gaj's Latin alphabet, and Serbia's rules on
//!   travel documents, which spell Đ as DJ in the machine-readable zone).
//!
//! Nothing else relaxes a comparison: no similarity score, no phonetic code, no edit distance
//! (sanctions screening documents their false accepts). A partial match (JOHN against JOHN
//! PAUL, or J. against JOHN) is [`NameMatch::Partial`]; a one-letter difference or a gendered
//! surname form (KOWALSKA, KOWALSKI) is [`NameMatch::Different`]. Names transliterated from
//! another alphabet by different systems (YULIYA, IULIIA) cannot be mapped back from Latin
//! letters, so they differ too: a person looks.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameMatch {
    Equal,
    /// One name's words are all among the other's, or initials of them (JOHN vs JOHN PAUL,
    /// J vs JOHN): a person should look.
    Partial,
    Different,
}

/// The readings a name is compared under, each applied to both names.
const READINGS: [fn(&str) -> String; 3] = [plain, icao, serbo_croatian];

pub fn compare(a: &str, b: &str) -> NameMatch {
    let pairs = || READINGS.iter().map(|reading| (reading(a), reading(b)));
    if pairs().any(|(x, y)| !x.is_empty() && x == y) {
        return NameMatch::Equal;
    }
    if pairs().any(|(x, y)| words_within(&x, &y) || words_within(&y, &x)) {
        NameMatch::Partial
    } else {
        NameMatch::Different
    }
}

/// The same words under one reading, in any order (a name split differently between first
/// and last name, or the two swapped).
pub fn same_words(a: &str, b: &str) -> bool {
    READINGS.iter().any(|reading| {
        let sorted = |name: &str| {
            let mut words: Vec<String> = reading(name).split(' ').map(str::to_owned).collect();
            words.sort_unstable();
            words
        };
        let (x, y) = (sorted(a), sorted(b));
        x.iter().any(|w| !w.is_empty()) && x == y
    })
}

/// Every word of `shorter` appears in `longer`, or is the initial of one (each word of
/// `longer` used once), and `shorter` has some.
fn words_within(shorter: &str, longer: &str) -> bool {
    let mut pool: Vec<&str> = longer.split(' ').collect();
    let mut any = false;
    for word in shorter.split(' ').filter(|w| !w.is_empty()) {
        let initial = word.chars().count() == 1;
        let found = pool
            .iter()
            .position(|candidate| *candidate == word)
            .or_else(|| {
                pool.iter()
                    .position(|candidate| initial && candidate.starts_with(word))
            });
        match found {
            Some(at) => {
                pool.swap_remove(at);
                any = true;
            }
            None => return false,
        }
    }
    any
}

/// Diacritics dropped: MÜLLER → MULLER, JOSÉ → JOSE, ØRSTED → ORSTED.
pub fn plain(name: &str) -> String {
    fold(&strip_marks(&name.to_uppercase()))
}

/// ICAO 9303 transliteration first (Ä → AE, Ö → OE, Ü → UE, Å → AA, ß → SS…), then the rest of
/// the diacritics dropped.
pub fn icao(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.to_uppercase().chars() {
        match c {
            'Ä' | 'Æ' => out.push_str("AE"),
            'Ö' | 'Ø' | 'Œ' => out.push_str("OE"),
            'Ü' => out.push_str("UE"),
            'Å' => out.push_str("AA"),
            'Þ' => out.push_str("TH"),
            'Ĳ' => out.push_str("IJ"),
            other => out.push(other),
        }
    }
    fold(&strip_marks(&out))
}

/// Đ → DJ (Serbian, Montenegrin, Bosnian documents), then the rest of the diacritics dropped.
pub fn serbo_croatian(name: &str) -> String {
    fold(&strip_marks(&name.to_uppercase().replace('Đ', "DJ")))
}

/// Decomposes (NFKD), drops combining marks, and spells out the letters that have no
/// decomposition.
fn strip_marks(upper: &str) -> String {
    let mut out = String::with_capacity(upper.len());
    for c in upper.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'Ø' => out.push('O'),
            'Æ' => out.push_str("AE"),
            'Œ' => out.push_str("OE"),
            'Þ' => out.push_str("TH"),
            'ẞ' => out.push_str("SS"),
            'Ð' | 'Đ' => out.push('D'),
            'Ł' => out.push('L'),
            'Ħ' => out.push('H'),
            'Ŧ' => out.push('T'),
            'ı' => out.push('I'),
            other => out.push(other),
        }
    }
    out
}

/// Hyphens and other separators become spaces, apostrophes and dots vanish, runs of spaces
/// collapse.
fn fold(name: &str) -> String {
    let spaced: String = name
        .chars()
        .filter(|c| !matches!(c, '\'' | '’' | 'ʼ' | '`' | '´' | '.'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The writing system of a name's letters, when they all share one: only names in the same
/// script can be compared letter for letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Hebrew,
    Arabic,
    Georgian,
    Other,
}

pub fn script(name: &str) -> Option<Script> {
    let mut found = None;
    for c in name.chars().filter(|c| c.is_alphabetic()) {
        let this = match u32::from(c) {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Script::Latin,
            0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
            0x400..=0x52F => Script::Cyrillic,
            0x530..=0x58F => Script::Armenian,
            0x590..=0x5FF => Script::Hebrew,
            0x600..=0x6FF | 0x750..=0x77F => Script::Arabic,
            0x10A0..=0x10FF => Script::Georgian,
            _ => Script::Other,
        };
        match found {
            None => found = Some(this),
            Some(seen) if seen == this => {}
            Some(_) => return None,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings() {
        assert_eq!(plain("Müller"), "MULLER");
        assert_eq!(icao("Müller"), "MUELLER");
        assert_eq!(plain("  jean-luc   o'neil "), "JEAN LUC ONEIL");
        assert_eq!(plain("Straße"), "STRASSE");
        assert_eq!(icao("Ørsted"), "OERSTED");
        assert_eq!(plain("Łukasz"), "LUKASZ");
    }

    #[test]
    fn comparison_table() {
        use NameMatch::*;
        let table = [
            ("MÜLLER", "MUELLER", Equal),
            ("MÜLLER", "MULLER", Equal),
            ("MUELLER", "MUELLER", Equal),
            ("JOSÉ", "JOSE", Equal),
            ("O'NEIL", "ONEIL", Equal),
            ("O’NEIL", "O'NEIL", Equal),
            ("JEAN-LUC", "JEAN LUC", Equal),
            ("ANNA  MARIA", "ANNA MARIA", Equal),
            ("smith", "SMITH", Equal),
            ("JOHN PAUL", "JOHN", Partial),
            ("JOHN", "PAUL JOHN", Partial),
            ("JOHN", "JANE", Different),
            ("JOHN PAUL", "JOHN PETER", Different),
            ("ĐOKOVIĆ", "DJOKOVIC", Equal),
            ("ĐOKOVIĆ", "DOKOVIC", Equal),
            ("DJOKOVIC", "DOKOVIC", Different),
            ("STRAẞE", "STRASSE", Equal),
            ("J", "JOHN", Partial),
            ("J. PAUL", "JOHN PAUL", Partial),
            ("JO", "JOHN", Different),
            ("KOWALSKA", "KOWALSKI", Different),
            ("JON", "JOHN", Different),
            ("YULIYA", "IULIIA", Different),
            ("", "", Different),
            ("---", "JOHN", Different),
        ];
        for (a, b, expected) in table {
            assert_eq!(compare(a, b), expected, "{a} vs {b}");
            assert_eq!(compare(b, a), expected, "{b} vs {a}");
        }
    }

    #[test]
    fn same_words_in_another_split_or_order() {
        assert!(same_words("MARIA JOSE GARCIA", "GARCIA MARIA JOSÉ"));
        assert!(same_words("NGUYEN VAN AN", "VAN AN NGUYEN"));
        assert!(!same_words("MARIA GARCIA", "MARIA JOSE GARCIA"));
        assert!(!same_words("", ""));
    }

    #[test]
    fn scripts() {
        assert_eq!(script("Müller"), Some(Script::Latin));
        assert_eq!(script("ЮЛИЯ ШЕВЧЕНКО"), Some(Script::Cyrillic));
        assert_eq!(script("ΓΕΩΡΓΙΟΣ"), Some(Script::Greek));
        assert_eq!(script("ЮЛИЯ Smith"), None);
        assert_eq!(script("--"), None);
    }
}
