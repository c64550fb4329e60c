//! Comparing names as two documents print them. Both are normalised (upper case, hyphens as
//! spaces, apostrophes dropped, spaces collapsed) and then equal under either of two readings:
//! plain diacritic stripping (MÜLLER → MULLER) or ICAO 9303 transliteration (MÜLLER → MUELLER),
//! the rule machine-readable zones use.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameMatch {
    Equal,
    /// One name's words are all among the other's (JOHN vs JOHN PAUL): a person should look.
    Partial,
    Different,
}

pub fn compare(a: &str, b: &str) -> NameMatch {
    let readings_a = [plain(a), icao(a)];
    let readings_b = [plain(b), icao(b)];
    if readings_a
        .iter()
        .zip(&readings_b)
        .any(|(x, y)| !x.is_empty() && x == y)
    {
        return NameMatch::Equal;
    }
    let partial = readings_a
        .iter()
        .zip(&readings_b)
        .any(|(x, y)| words_within(x, y) || words_within(y, x));
    if partial {
        NameMatch::Partial
    } else {
        NameMatch::Different
    }
}

/// Every word of `shorter` appears in `longer` (each used once), and `shorter` has some.
fn words_within(shorter: &str, longer: &str) -> bool {
    let mut pool: Vec<&str> = longer.split(' ').collect();
    let mut any = false;
    for word in shorter.split(' ').filter(|w| !w.is_empty()) {
        match pool.iter().position(|candidate| *candidate == word) {
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
            ("", "", Different),
            ("---", "JOHN", Different),
        ];
        for (a, b, expected) in table {
            assert_eq!(compare(a, b), expected, "{a} vs {b}");
            assert_eq!(compare(b, a), expected, "{b} vs {a}");
        }
    }
}
