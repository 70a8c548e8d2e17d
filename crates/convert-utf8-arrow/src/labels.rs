//! The charset each row asks for: one label for the column, or a column of labels (strings of
//! any Arrow string type, or a dictionary of them), each distinct label resolved once: the
//! column's labels ([`LabelSource`], shared by the parts of a column decoded at once) apart from
//! what a part has resolved ([`RowLabels`]).

use crate::{Choice, ColumnError, choose};
use arrow_array::cast::AsArray;
use arrow_array::{Array, LargeStringArray, StringArray, StringViewArray};
use arrow_schema::DataType;
use std::collections::HashMap;

/// A column of label strings.
pub(crate) enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    fn of(array: &'a dyn Array) -> Option<Strings<'a>> {
        Some(match array.data_type() {
            DataType::Utf8 => Strings::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Strings::Large(array.as_string::<i64>()),
            DataType::Utf8View => Strings::View(array.as_string_view()),
            _ => return None,
        })
    }

    fn len(&self) -> usize {
        match self {
            Strings::Utf8(a) => a.len(),
            Strings::Large(a) => a.len(),
            Strings::View(a) => a.len(),
        }
    }

    /// The label at `index`, `None` where it is null. (Plain `#[inline]` left it a call per
    /// row.)
    #[inline(always)]
    fn get(&self, index: usize) -> Option<&'a str> {
        match *self {
            Strings::Utf8(a) => a.is_valid(index).then(|| a.value(index)),
            Strings::Large(a) => a.is_valid(index).then(|| a.value(index)),
            Strings::View(a) => a.is_valid(index).then(|| a.value(index)),
        }
    }
}

/// How many distinct labels the short list holds.
const LISTED: usize = 16;

/// Whether two labels are the same bytes: for labels of up to 16 bytes (all the engine's but a
/// few), two overlapping word loads from each end and no call; `==` on `str` called `memcmp`
/// for each label of the same length, a twentieth of the kernel's time on short rows.
#[inline]
fn same_label(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let words = |s: &[u8]| -> (u64, u64) {
        match n {
            8..=16 => (
                u64::from_le_bytes(s[..8].try_into().unwrap()),
                u64::from_le_bytes(s[n - 8..].try_into().unwrap()),
            ),
            4..=7 => (
                u64::from(u32::from_le_bytes(s[..4].try_into().unwrap())),
                u64::from(u32::from_le_bytes(s[n - 4..].try_into().unwrap())),
            ),
            _ => (s.iter().fold(0, |w, &b| w << 8 | u64::from(b)), 0),
        }
    };
    if n > 16 {
        return a == b;
    }
    words(a) == words(b)
}

/// Where the rows' charsets come from: read-only, shared by the parts of a column decoded at
/// once.
pub(crate) enum LabelSource<'a> {
    Column(Choice),
    /// A column of nulls only (Arrow's Null type): every row is detected.
    AllNull,
    Strings(Strings<'a>),
    /// A dictionary, its keys made plain indexes once for the column.
    Dictionary {
        column: &'a dyn Array,
        keys: Vec<usize>,
        values: Strings<'a>,
    },
}

impl<'a> LabelSource<'a> {
    pub(crate) fn of(array: &'a dyn Array) -> Result<LabelSource<'a>, ColumnError> {
        let wrong_type = || ColumnError::LabelsType(array.data_type().clone());
        if array.data_type() == &DataType::Null {
            return Ok(LabelSource::AllNull);
        }
        if let Some(labels) = Strings::of(array) {
            return Ok(LabelSource::Strings(labels));
        }
        let dictionary = array.as_any_dictionary_opt().ok_or_else(wrong_type)?;
        let values = Strings::of(dictionary.values().as_ref()).ok_or_else(wrong_type)?;
        let keys = if dictionary.values().is_empty() {
            // Every row is null: no key points anywhere.
            vec![0; array.len()]
        } else {
            dictionary.normalized_keys()
        };
        Ok(LabelSource::Dictionary {
            column: array,
            keys,
            values,
        })
    }
}

/// The charset each row asks for, each distinct label resolved once (per part of a column).
pub(crate) struct RowLabels<'s, 'a> {
    source: &'s LabelSource<'a>,
    /// Labels resolved so far: the first few in a short list, which finds them faster than a
    /// hash (a column has few), any others in a hash.
    resolved: Vec<(&'a str, Choice)>,
    more: HashMap<&'a str, Choice>,
    /// For a dictionary, each value's choice once a row has used it.
    values: Vec<Option<Choice>>,
}

impl<'s, 'a> RowLabels<'s, 'a> {
    pub(crate) fn new(source: &'s LabelSource<'a>) -> RowLabels<'s, 'a> {
        let values = match source {
            LabelSource::Dictionary { values, .. } => vec![None; values.len()],
            _ => Vec::new(),
        };
        RowLabels {
            source,
            resolved: Vec::new(),
            more: HashMap::new(),
            values,
        }
    }

    /// The choice for row `row`: its label's charset, or detection for a null label.
    pub(crate) fn choice(&mut self, row: usize) -> Result<Choice, ColumnError> {
        let unknown = |label: &str, error| ColumnError::UnknownLabel {
            row: Some(row),
            label: label.to_owned(),
            error,
        };
        match self.source {
            LabelSource::Column(choice) => Ok(*choice),
            LabelSource::AllNull => Ok(Choice::Detect),
            LabelSource::Strings(labels) => {
                let Some(label) = labels.get(row) else {
                    return Ok(Choice::Detect);
                };
                if let Some(&(_, choice)) = self
                    .resolved
                    .iter()
                    .find(|(known, _)| same_label(known.as_bytes(), label.as_bytes()))
                {
                    return Ok(choice);
                }
                if let Some(&choice) = self.more.get(label) {
                    return Ok(choice);
                }
                let choice = choose(label).map_err(|e| unknown(label, e))?;
                if self.resolved.len() < LISTED {
                    self.resolved.push((label, choice));
                } else {
                    self.more.insert(label, choice);
                }
                Ok(choice)
            }
            LabelSource::Dictionary {
                column,
                keys,
                values,
            } => {
                if column.is_null(row) {
                    return Ok(Choice::Detect);
                }
                let key = keys[row];
                if let Some(choice) = self.values[key] {
                    return Ok(choice);
                }
                let Some(label) = values.get(key) else {
                    return Ok(Choice::Detect);
                };
                let choice = choose(label).map_err(|e| unknown(label, e))?;
                self.values[key] = Some(choice);
                Ok(choice)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::same_label;

    #[test]
    fn same_label_is_byte_equality_at_every_length() {
        let text = b"ISO-8859-7 and then some more bytes";
        for n in 0..=text.len() {
            let a = &text[..n];
            // Another copy of the same bytes, not the same slice.
            let copy = a.to_vec();
            assert!(same_label(a, copy.as_slice()));
            for at in 0..n {
                let mut b = a.to_vec();
                b[at] ^= 0x20;
                assert!(!same_label(a, &b), "{n} {at}");
            }
            if n > 0 {
                assert!(!same_label(a, &text[..n - 1]));
            }
        }
    }
}
