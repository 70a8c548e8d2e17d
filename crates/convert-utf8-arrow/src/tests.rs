use super::*;
use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int16Type;
use arrow_array::{
    BinaryArray, BinaryViewArray, Int64Array, LargeBinaryArray, LargeStringArray, NullArray,
};
use proptest::prelude::*;
use std::collections::HashMap;

const LABELS: &[&str] = &[
    "UTF-8", "cp1251", "SJIS", "latin1", "GBK", "UTF-16LE", "EUC-KR",
];

/// What decoding `rows` one by one with the engine gives: the text of each row (None for a
/// null row or, under Null, a row with an error), or the first bad row and the error's offset
/// in it under Strict.
fn row_by_row(
    rows: &[Option<Vec<u8>>],
    labels: &[&str],
    on_error: OnError,
) -> Result<Vec<Option<String>>, (usize, u64)> {
    let policy = match on_error {
        OnError::Strict | OnError::Null => ErrorPolicy::Strict,
        OnError::Replace => ErrorPolicy::Replace,
        OnError::Ignore => ErrorPolicy::Ignore,
    };
    let mut out = Vec::new();
    for (row, (bytes, label)) in rows.iter().zip(labels).enumerate() {
        let Some(bytes) = bytes else {
            out.push(None);
            continue;
        };
        match Charset::for_label(label)
            .unwrap()
            .decode_to_string(bytes, policy)
        {
            Ok(text) => out.push(Some(text)),
            Err(_) if on_error == OnError::Null => out.push(None),
            Err(convert_utf8::Error::Decode(error)) => return Err((row, error.offset())),
            Err(other) => panic!("{other}"),
        }
    }
    Ok(out)
}

/// The decoded column's rows as strings.
fn texts(values: &dyn Array) -> Vec<Option<String>> {
    match values.data_type() {
        DataType::Utf8 => values
            .as_string::<i32>()
            .iter()
            .map(|s| s.map(str::to_owned))
            .collect(),
        DataType::LargeUtf8 => values
            .as_string::<i64>()
            .iter()
            .map(|s| s.map(str::to_owned))
            .collect(),
        DataType::Utf8View => values
            .as_string_view()
            .iter()
            .map(|s| s.map(str::to_owned))
            .collect(),
        other => panic!("decoded to {other}"),
    }
}

/// A column's rows as strings.
type Rows = Vec<Option<String>>;

/// What a call gave, to compare two calls: the values (and their type) and reasons, or the
/// error's message.
fn outcome(
    decoded: &Result<Decoded, ColumnError>,
) -> Result<(DataType, Rows, Option<Rows>), String> {
    match decoded {
        Ok(decoded) => Ok((
            decoded.values.data_type().clone(),
            texts(decoded.values.as_ref()),
            decoded.reasons.as_ref().map(|r| texts(r.as_ref())),
        )),
        Err(error) => Err(error.to_string()),
    }
}

fn bodies_of(rows: &[Option<Vec<u8>>], form: u8) -> ArrayRef {
    let rows: Vec<Option<&[u8]>> = rows.iter().map(|r| r.as_deref()).collect();
    match form % 3 {
        0 => Arc::new(BinaryArray::from(rows)),
        1 => Arc::new(LargeBinaryArray::from(rows)),
        _ => Arc::new(BinaryViewArray::from(rows)),
    }
}

fn labels_of(labels: &[&str], form: u8) -> ArrayRef {
    match form % 4 {
        0 => Arc::new(StringArray::from(labels.to_vec())),
        1 => Arc::new(LargeStringArray::from(labels.to_vec())),
        2 => Arc::new(StringViewArray::from(labels.to_vec())),
        _ => {
            let mut builder = StringDictionaryBuilder::<Int16Type>::new();
            labels.iter().for_each(|l| {
                builder.append_value(l);
            });
            Arc::new(builder.finish())
        }
    }
}

fn row_strategy() -> impl Strategy<Value = (Option<Vec<u8>>, usize)> {
    let bytes = prop_oneof![
        3 => proptest::collection::vec(0x20u8..0x7F, 0..40),
        3 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => proptest::collection::vec(prop_oneof![Just(0x93u8), Just(0xFA), Just(0xC3), Just(0xA9), Just(0x41)], 0..20),
    ];
    (proptest::option::weighted(0.85, bytes), 0..LABELS.len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any column (three body types, four label types, sliced, with nulls, mixed charsets) gives
    /// what the engine gives row by row, under every policy.
    #[test]
    fn columns_decode_as_rows_do(
        rows in proptest::collection::vec(row_strategy(), 0..30),
        body_form in 0u8..3,
        label_form in 0u8..4,
        policy in 0usize..4,
        cut in (0usize..4, 0usize..4),
    ) {
        let on_error = [OnError::Strict, OnError::Replace, OnError::Ignore, OnError::Null][policy];
        let (bytes, labels): (Vec<Option<Vec<u8>>>, Vec<&str>) =
            rows.iter().map(|(b, l)| (b.clone(), LABELS[*l])).unzip();
        let bodies = bodies_of(&bytes, body_form);
        let label_column = labels_of(&labels, label_form);
        // A slice of both, as a caller's chunk would be.
        let start = cut.0.min(bytes.len());
        let len = bytes.len() - start - cut.1.min(bytes.len() - start);
        let bodies = bodies.slice(start, len);
        let label_column = label_column.slice(start, len);
        let expected = row_by_row(&bytes[start..start + len], &labels[start..start + len], on_error);
        let got = decode(bodies.as_ref(), Labels::PerRow(label_column.as_ref()), on_error, true);
        // Split across threads, parts as small as a byte: the same column, the same error.
        for threads in [1, 2, 3] {
            let options = Options { on_error, reasons: true, threads, first_row: 0 };
            let split = decode_split(bodies.as_ref(), Labels::PerRow(label_column.as_ref()), &options, 1);
            prop_assert_eq!(outcome(&split), outcome(&got), "threads {}", threads);
        }
        match (got, expected) {
            (Ok(decoded), Ok(expected)) => {
                prop_assert_eq!(texts(decoded.values.as_ref()), expected.clone());
                let reasons = decoded.reasons.map(|r| texts(r.as_ref()));
                if on_error == OnError::Null {
                    let reasons = reasons.unwrap();
                    for (i, (text, reason)) in expected.iter().zip(&reasons).enumerate() {
                        let failed = bytes[start + i].is_some() && text.is_none();
                        prop_assert_eq!(reason.is_some(), failed, "row {}", i);
                    }
                } else {
                    prop_assert!(reasons.is_none());
                }
            }
            (Err(ColumnError::Decode { row, error, .. }), Err(expected)) => {
                prop_assert_eq!((row, error.offset()), expected)
            }
            (got, expected) => prop_assert!(false, "{:?} against {:?}", got.map(|d| texts(d.values.as_ref())), expected),
        }
    }
}

#[test]
fn one_label_for_the_column_and_the_output_types() {
    let rows = vec![Some(&b"\xc0\xe1\xe2"[..]), None, Some(b"")];
    for (bodies, expected_type) in [
        (
            Arc::new(BinaryArray::from(rows.clone())) as ArrayRef,
            DataType::Utf8,
        ),
        (
            Arc::new(LargeBinaryArray::from(rows.clone())),
            DataType::LargeUtf8,
        ),
        (
            Arc::new(BinaryViewArray::from(rows.clone())),
            DataType::Utf8View,
        ),
    ] {
        let decoded = decode(
            bodies.as_ref(),
            Labels::Column("CP1251"),
            OnError::Strict,
            false,
        )
        .unwrap();
        assert_eq!(decoded.values.data_type(), &expected_type);
        assert_eq!(
            texts(decoded.values.as_ref()),
            vec![Some("Абв".to_owned()), None, Some(String::new())]
        );
    }
}

#[test]
fn errors_name_the_row_and_the_offset() {
    let bodies = BinaryArray::from(vec![&b"ok"[..], b"fine", b"ab\xffcd"]);
    let err = decode(&bodies, Labels::Column("UTF-8"), OnError::Strict, false).unwrap_err();
    let ColumnError::Decode { row, error, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*row, error.offset()), (2, 2));
    assert!(
        err.to_string()
            .starts_with("row 2 (UTF-8): illegal input sequence at position 2"),
        "{err}"
    );

    let labels = StringArray::from(vec!["utf-8", "no-such-charset", "utf-8"]);
    // Under Null, that row is null and says why; the others decode.
    let decoded = decode(&bodies, Labels::PerRow(&labels), OnError::Null, true).unwrap();
    assert_eq!(
        texts(decoded.values.as_ref()),
        vec![Some("ok".to_owned()), None, None]
    );
    let reasons = texts(decoded.reasons.unwrap().as_ref());
    assert!(
        reasons[1].as_deref().unwrap().contains("no-such-charset"),
        "{reasons:?}"
    );
    let err = decode(&bodies, Labels::PerRow(&labels), OnError::Strict, false).unwrap_err();
    assert!(
        matches!(err, ColumnError::UnknownLabel { row: Some(1), .. }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("row 1: "), "{err}");

    let short = StringArray::from(vec!["utf-8"]);
    let err = decode(&bodies, Labels::PerRow(&short), OnError::Strict, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 labels for 3 rows: the labels column must be as long as the bodies"
    );

    let numbers = Int64Array::from(vec![1, 2, 3]);
    let err = decode(&numbers, Labels::Column("utf-8"), OnError::Strict, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the bodies must be Binary, LargeBinary or BinaryView, not Int64"
    );
    let text = StringArray::from(vec!["café"]);
    let err = decode(&text, Labels::Column("utf-8"), OnError::Strict, false).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the bodies are already text (Utf8)"),
        "{err}"
    );
    let err = decode(&bodies, Labels::PerRow(&numbers), OnError::Strict, false).unwrap_err();
    assert!(
        matches!(err, ColumnError::LabelsType(DataType::Int64)),
        "{err:?}"
    );
}

#[test]
fn null_makes_bad_rows_null_and_says_why() {
    let bodies = BinaryArray::from(vec![Some(&b"ok"[..]), Some(b"ab\xffcd"), None]);
    let decoded = decode(&bodies, Labels::Column("UTF-8"), OnError::Null, true).unwrap();
    assert_eq!(
        texts(decoded.values.as_ref()),
        vec![Some("ok".to_owned()), None, None]
    );
    let reasons = texts(decoded.reasons.unwrap().as_ref());
    assert_eq!(reasons[0], None);
    assert!(
        reasons[1].as_deref().unwrap().contains("position 2"),
        "{reasons:?}"
    );
    // A null input row is null without a reason: nothing went wrong.
    assert_eq!(reasons[2], None);
}

#[test]
fn null_and_auto_labels_detect_the_row() {
    let cyrillic = "Съешь же ещё этих мягких французских булок, да выпей чаю. ".repeat(4);
    let koi8 = Charset::for_label("KOI8-R").unwrap();
    // The text encoded as KOI8-R: every KOI8-R byte decodes to one character, so invert that map.
    let mut to_koi8 = HashMap::new();
    for b in 0..=255u8 {
        if let Ok(s) = koi8.decode_to_string(&[b], ErrorPolicy::Strict) {
            to_koi8.insert(s.chars().next().unwrap(), b);
        }
    }
    let encoded: Vec<u8> = cyrillic.chars().map(|c| to_koi8[&c]).collect();
    let bodies = BinaryArray::from(vec![
        Some(&encoded[..]),
        Some(&encoded[..]),
        Some(b"\x00\x01\x02\xff\xfe\x00\x00\x03"),
    ]);
    let labels = StringArray::from(vec![None, Some("AUTO"), None]);
    let decoded = decode(&bodies, Labels::PerRow(&labels), OnError::Null, true).unwrap();
    let values = texts(decoded.values.as_ref());
    assert_eq!(values[0].as_deref(), Some(cyrillic.as_str()));
    assert_eq!(values[1].as_deref(), Some(cyrillic.as_str()));
    assert_eq!(values[2], None);
    let reasons = texts(decoded.reasons.unwrap().as_ref());
    assert!(
        reasons[2].as_deref().unwrap().contains("binary"),
        "{reasons:?}"
    );
    // The row is already null: its reason gives no advice to make it so.
    assert!(
        !reasons[2].as_deref().unwrap().contains("errors="),
        "{reasons:?}"
    );
    let err = decode(&bodies, Labels::PerRow(&labels), OnError::Strict, false).unwrap_err();
    assert!(err.to_string().contains("errors=\"null\""), "{err}");
    assert!(
        matches!(err, ColumnError::Undetected { row: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn empty_and_all_null_columns() {
    let empty = BinaryArray::from(Vec::<Option<&[u8]>>::new());
    let decoded = decode(&empty, Labels::Column("SJIS"), OnError::Strict, true).unwrap();
    assert_eq!(decoded.values.len(), 0);
    assert!(decoded.reasons.is_none());
    let nulls = BinaryArray::from(vec![None::<&[u8]>, None]);
    let mut dictionary = StringDictionaryBuilder::<Int16Type>::new();
    dictionary.append_null();
    dictionary.append_null();
    let labels = dictionary.finish();
    let decoded = decode(&nulls, Labels::PerRow(&labels), OnError::Null, true).unwrap();
    assert_eq!(texts(decoded.values.as_ref()), vec![None, None]);
}

/// Arrow's Null type, what a column of nulls only is typed as (`pa.array([None, None])`): as
/// bodies, nulls out; as labels, every row detected.
#[test]
fn null_typed_columns() {
    let bodies = NullArray::new(3);
    for on_error in [OnError::Strict, OnError::Null] {
        let decoded = decode(&bodies, Labels::Column("SJIS"), on_error, true).unwrap();
        assert_eq!(decoded.values.data_type(), &DataType::Utf8);
        assert_eq!(texts(decoded.values.as_ref()), vec![None, None, None]);
        let reasons = decoded.reasons.map(|r| texts(r.as_ref()));
        let expected = (on_error == OnError::Null).then(|| vec![None, None, None]);
        assert_eq!(reasons, expected);
    }
    let wrong_length = NullArray::new(2);
    assert!(matches!(
        decode(
            &bodies,
            Labels::PerRow(&wrong_length),
            OnError::Strict,
            false
        ),
        Err(ColumnError::LabelsLength { .. })
    ));

    let bodies = BinaryArray::from(vec![Some("żółw".as_bytes()), None]);
    let labels = NullArray::new(2);
    let decoded = decode(&bodies, Labels::PerRow(&labels), OnError::Strict, false).unwrap();
    assert_eq!(
        texts(decoded.values.as_ref()),
        vec![Some("żółw".to_owned()), None]
    );
}

#[test]
fn one_decoder_per_charset() {
    let bodies = BinaryArray::from(vec![&b"a"[..]; 100]);
    let labels: StringArray = (0..100).map(|i| Some(LABELS[i % 3])).collect();
    let source = LabelSource::of(&labels).unwrap();
    let mut run = Run::new(OnError::Strict, false, RowLabels::new(&source), 0);
    run.bytes_part(&bodies, 0..100, false).unwrap();
    assert_eq!(run.decoders.len(), 3);
}

#[test]
fn many_distinct_labels() {
    // Past the short list: 24 spellings of UTF-8, each row its own.
    let spellings: Vec<String> = ["utf-8", "utf8", "utf_8"]
        .iter()
        .flat_map(|base| {
            (0..8).map(move |case| {
                base.chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if i < 3 && case >> i & 1 == 1 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect::<String>()
            })
        })
        .collect();
    let labels: StringArray = spellings
        .iter()
        .chain(&spellings)
        .map(|s| Some(s.as_str()))
        .collect();
    let bodies = BinaryArray::from(vec![&b"\xc3\xa9"[..]; labels.len()]);
    let decoded = decode(&bodies, Labels::PerRow(&labels), OnError::Strict, false).unwrap();
    assert!(
        texts(decoded.values.as_ref())
            .iter()
            .all(|t| t.as_deref() == Some("é"))
    );
}

#[test]
fn offsets_widen_past_32_bits() {
    let mut offsets = Offsets::new(false, 2);
    offsets.push(i32::MAX as usize);
    assert!(matches!(offsets, Offsets::Narrow(_)));
    offsets.push(i32::MAX as usize + 1);
    let Offsets::Wide(wide) = &offsets else {
        panic!("still 32-bit")
    };
    assert_eq!(wide, &[0, i64::from(i32::MAX), i64::from(i32::MAX) + 1]);
    let mut joined = Offsets::new(false, 1);
    joined.push(5);
    joined.append_shifted(&offsets, 5);
    let Offsets::Wide(wide) = &joined else {
        panic!("still 32-bit")
    };
    assert_eq!(wide[3], i64::from(i32::MAX) + 6);
}

#[test]
fn columns_split_where_the_bytes_are() {
    // Rows of 1, 1, 1 and 9 bytes in two parts: the cut falls at the big row, which makes
    // one part, its bytes about half.
    let bodies = BinaryArray::from(vec![&b"a"[..], b"b", b"c", b"ddddddddd"]);
    let source = LabelSource::Column(Choice::Charset(Charset::for_label("UTF-8").unwrap()));
    let column = Column {
        on_error: OnError::Strict,
        reasons: false,
        labels: &source,
        threads: 2,
        min_part: 1,
        first_row: 0,
    };
    assert_eq!(column.parts(4, 12), 2);
    let parts = column
        .decode_parts(ranges(4, &[3]), |run, rows| {
            run.bytes_part(&bodies, rows, false)
        })
        .unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!((parts[0].text.len(), parts[1].text.len()), (3, 9));
    assert_eq!(ranges(4, &[0, 4]), vec![0..0, 0..4, 4..4]);
    // Small columns stay whole.
    let whole = Column {
        min_part: MIN_PART_BYTES,
        ..column
    };
    assert_eq!(whole.parts(4, 12), 1);
}

#[test]
fn text_past_the_estimate() {
    // The euro sign is one byte in CP1251 and three in UTF-8: twice the reserve, grown into
    // while the column is decoded, over many zeroing windows.
    let row = [0x88u8; 50];
    let bodies = BinaryArray::from(vec![&row[..]; 2000]);
    let decoded = decode(&bodies, Labels::Column("CP1251"), OnError::Strict, false).unwrap();
    let euros = "€".repeat(50);
    assert!(
        texts(decoded.values.as_ref())
            .iter()
            .all(|t| t.as_deref() == Some(euros.as_str()))
    );
}

#[test]
fn text_past_the_estimate_over_many_populated_steps() {
    // Megabytes of text (made present a mebibyte ahead at a time), past the estimate twice:
    // mixed rows, each as one decode of it gives.
    let euros = [0x88u8; 3000];
    let ascii = [b'a'; 5000];
    let rows: Vec<&[u8]> = (0..3000)
        .map(|i| if i % 3 == 0 { &ascii[..] } else { &euros[..] })
        .collect();
    let bodies = BinaryArray::from(rows.clone());
    let decoded = decode(&bodies, Labels::Column("CP1251"), OnError::Strict, false).unwrap();
    let texts = texts(decoded.values.as_ref());
    assert_eq!(texts.len(), rows.len());
    for (text, row) in texts.iter().zip(&rows) {
        let want = Charset::for_label("CP1251")
            .unwrap()
            .decode_to_string(row, ErrorPolicy::Strict)
            .unwrap();
        assert_eq!(text.as_deref(), Some(want.as_str()));
    }
}

#[test]
fn rows_counted_from_the_first_row_given() {
    // A batch that starts at row 1000 of the whole column names rows as the whole does.
    let bodies = BinaryArray::from(vec![&b"ok"[..], b"caf\xe9", b"fine"]);
    let labels = StringArray::from(vec!["utf-8", "utf-8", "no-such-charset"]);
    let options = |on_error| Options {
        on_error,
        reasons: true,
        first_row: 1000,
        ..Options::default()
    };
    let error =
        decode_with(&bodies, Labels::PerRow(&labels), &options(OnError::Strict)).unwrap_err();
    assert_eq!(error.row(), Some(1001));
    assert!(error.to_string().starts_with("row 1001 (UTF-8)"), "{error}");
    let decoded = decode_with(&bodies, Labels::PerRow(&labels), &options(OnError::Null)).unwrap();
    let reasons = texts(decoded.reasons.unwrap().as_ref());
    assert_eq!(reasons[0], None);
    assert!(reasons[1].as_deref().unwrap().starts_with("row 1001 "));
    assert!(reasons[2].as_deref().unwrap().starts_with("row 1002: "));
}

#[test]
fn rows_with_a_byte_order_mark_are_read_in_its_order() {
    let text = "Съешь же ещё этих мягких французских булок";
    let mut rows: Vec<Vec<u8>> = Vec::new();
    for (mark, units_be, wide) in [
        (&b"\xfe\xff"[..], true, false),
        (b"\xff\xfe", false, false),
        (b"\0\0\xfe\xff", true, true),
        (b"\xff\xfe\0\0", false, true),
        (b"\xef\xbb\xbf", true, false),
    ] {
        let mut row = mark.to_vec();
        if mark.len() == 3 {
            row.extend_from_slice(text.as_bytes());
        } else if wide {
            for c in text.chars() {
                let c = c as u32;
                row.extend(if units_be {
                    c.to_be_bytes()
                } else {
                    c.to_le_bytes()
                });
            }
        } else {
            for unit in text.encode_utf16() {
                row.extend(if units_be {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                });
            }
        }
        rows.push(row);
    }
    let bodies = BinaryArray::from(rows.iter().map(|r| Some(&r[..])).collect::<Vec<_>>());
    let decoded = decode(&bodies, Labels::Column("auto"), OnError::Strict, false).unwrap();
    // The mark is not text: every row reads as the text alone.
    assert_eq!(
        texts(decoded.values.as_ref()),
        vec![Some(text.to_owned()); 5]
    );
}
