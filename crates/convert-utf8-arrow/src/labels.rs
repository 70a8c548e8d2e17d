//! The charset each row asks for: one label for the column, or a column of labels (strings of
//! any Arrow string type, or a dictionary of them), each distinct label resolved once.

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

    /// The label at `index`, `None` where it is null.
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

/// Where the rows' charsets come from.
pub(crate) enum RowLabels<'a> {
    Column(Choice),
    /// A label per row, each distinct one resolved once: the first few kept in a short list,
    /// which finds them faster than a hash (a column has few), any others in a hash.
    Strings {
        labels: Strings<'a>,
        resolved: Vec<(&'a str, Choice)>,
        more: HashMap<&'a str, Choice>,
    },
    /// A dictionary: each value resolved once, the first time a row uses it.
    Dictionary {
        column: &'a dyn Array,
        keys: Vec<usize>,
        values: Strings<'a>,
        resolved: Vec<Option<Choice>>,
    },
}

impl<'a> RowLabels<'a> {
    pub(crate) fn of(array: &'a dyn Array) -> Result<RowLabels<'a>, ColumnError> {
        let wrong_type = || ColumnError::LabelsType(array.data_type().clone());
        if let Some(labels) = Strings::of(array) {
            return Ok(RowLabels::Strings {
                labels,
                resolved: Vec::new(),
                more: HashMap::new(),
            });
        }
        let dictionary = array.as_any_dictionary_opt().ok_or_else(wrong_type)?;
        let values = Strings::of(dictionary.values().as_ref()).ok_or_else(wrong_type)?;
        let keys = if dictionary.values().is_empty() {
            // Every row is null: no key points anywhere.
            vec![0; array.len()]
        } else {
            dictionary.normalized_keys()
        };
        Ok(RowLabels::Dictionary {
            column: array,
            keys,
            values,
            resolved: vec![None; dictionary.values().len()],
        })
    }

    /// The choice for row `row`: its label's charset, or detection for a null label.
    pub(crate) fn choice(&mut self, row: usize) -> Result<Choice, ColumnError> {
        let unknown = |label: &str, error| ColumnError::UnknownLabel {
            row: Some(row),
            label: label.to_owned(),
            error,
        };
        match self {
            RowLabels::Column(choice) => Ok(*choice),
            RowLabels::Strings {
                labels,
                resolved,
                more,
            } => {
                let Some(label) = labels.get(row) else {
                    return Ok(Choice::Detect);
                };
                if let Some(&(_, choice)) = resolved.iter().find(|(known, _)| *known == label) {
                    return Ok(choice);
                }
                if let Some(&choice) = more.get(label) {
                    return Ok(choice);
                }
                let choice = choose(label).map_err(|e| unknown(label, e))?;
                if resolved.len() < LISTED {
                    resolved.push((label, choice));
                } else {
                    more.insert(label, choice);
                }
                Ok(choice)
            }
            RowLabels::Dictionary {
                column,
                keys,
                values,
                resolved,
            } => {
                if column.is_null(row) {
                    return Ok(Choice::Detect);
                }
                let key = keys[row];
                if let Some(choice) = resolved[key] {
                    return Ok(choice);
                }
                let Some(label) = values.get(key) else {
                    return Ok(Choice::Detect);
                };
                let choice = choose(label).map_err(|e| unknown(label, e))?;
                resolved[key] = Some(choice);
                Ok(choice)
            }
        }
    }
}
