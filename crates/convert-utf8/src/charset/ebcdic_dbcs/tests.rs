use super::*;
use crate::charset::RawStatus;
use crate::error::ErrorKind;

fn decoder() -> EbcdicDbcsDecoder {
    EbcdicDbcsDecoder::new(&crate::tables::ebcdic_dbcs::IBM930)
}

#[test]
fn shifts_switch_halves_and_redundant_shifts_are_no_error() {
    let mut d = decoder();
    let mut out = [0u8; 64];
    // C1 = 'A' single-byte; 45 41 = U+4E00 double-byte.
    let step = d.decode_raw(b"\xC1\x0F\x0E\x0E\x45\x41\x0F\x0F\xC1", &mut out, true);
    assert_eq!(step.status, RawStatus::InputEmpty);
    assert_eq!(&out[..step.written], "A\u{4E00}A".as_bytes());
}

#[test]
fn the_hot_loop_gives_the_same_text_through_every_output_room() {
    // Characters of one, two and three UTF-8 bytes in both states (C1 'A', 4A '£', 4141
    // 'α', 4040 U+3000, 4541 U+4E00), shifts inside blocks, and an illegal pair (0000) that
    // stops the run: every room from the smallest a call accepts to the whole, so that the
    // block bound of the unchecked stores is tried at every position.
    let src = b"\xC1\x4A\x0E\x41\x41\x40\x40\x0F\x0F\xC1\x0E\x0E\x45\x41\x00\x00\x45\x41\x0F\x4A";
    let expected = "A£α\u{3000}A\u{4E00}";
    for room in MAX_CHAR_UTF8..=40 {
        let mut d = decoder();
        let (mut out, mut read) = (Vec::new(), 0);
        let mut dst = vec![0u8; room];
        loop {
            let step = d.decode_raw(&src[read..], &mut dst, true);
            read += step.read;
            out.extend_from_slice(&dst[..step.written]);
            match step.status {
                RawStatus::OutputFull => {}
                status => {
                    assert_eq!(
                        status,
                        RawStatus::Malformed {
                            len: 2,
                            consumed_after: 0,
                            kind: ErrorKind::Invalid
                        },
                        "room {room}"
                    );
                    break;
                }
            }
        }
        assert_eq!(read, 16, "room {room}");
        assert_eq!(std::str::from_utf8(&out), Ok(expected), "room {room}");
    }
}

#[test]
fn a_pair_cut_between_calls_is_held_then_truncated_at_the_end() {
    let mut d = decoder();
    let mut out = [0u8; 64];
    let step = d.decode_raw(b"\x0E\x45", &mut out, false);
    assert_eq!((step.read, step.written), (2, 0));
    let step = d.decode_raw(b"\x41\x45", &mut out, false);
    assert_eq!(&out[..step.written], "\u{4E00}".as_bytes());
    let step = d.decode_raw(b"", &mut out, true);
    assert_eq!(
        step.status,
        RawStatus::Malformed {
            len: 1,
            consumed_after: 0,
            kind: ErrorKind::Truncated
        }
    );
    assert!(!d.double && d.pending_lead.is_none());
}

fn tables() -> Vec<(&'static str, &'static EbcdicTable)> {
    let names: Vec<&str> = crate::Charset::all()
        .filter(|c| c.family() == crate::Family::EbcdicDbcs)
        .map(crate::Charset::name)
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    names
        .into_iter()
        .map(|name| match crate::charset::kind_of(name) {
            Some(crate::tables::format::DecoderKind::EbcdicDbcs(table)) => (name, table),
            _ => panic!("{name} is an EBCDIC double-byte charset"),
        })
        .collect()
}

#[test]
fn every_row_lies_in_the_pool() {
    // The hot loop loads four bytes from any entry of a row without a bounds check.
    for (name, table) in tables() {
        for (lead, row) in table.rows.iter().enumerate() {
            let end = row.offset as usize + 3 * usize::from(row.width) + 1;
            assert!(end <= POOL.len(), "{name} {lead:02X}");
        }
    }
}

#[test]
fn single_words_hold_their_utf8_length() {
    for (name, table) in tables() {
        for (byte, &word) in table.single.iter().enumerate() {
            let [bytes @ .., len] = word.to_le_bytes();
            if word != 0 {
                let len = usize::from(len);
                let text = std::str::from_utf8(&bytes[..len]);
                assert!(
                    text.is_ok_and(|t| t.chars().count() == 1),
                    "{name} {byte:02X}"
                );
                assert!(bytes[len..].iter().all(|&b| b == 0), "{name} {byte:02X}");
            }
        }
    }
}

#[test]
fn shift_bytes_lead_no_pair() {
    for (name, table) in tables() {
        for shift in [SO, SI] {
            assert_eq!(
                table.rows[usize::from(shift)].width,
                0,
                "{name} {shift:02X}"
            );
            assert_eq!(table.single[usize::from(shift)], 0, "{name} {shift:02X}");
        }
    }
}

#[test]
fn an_illegal_pair_is_a_two_byte_error() {
    let mut d = decoder();
    let mut out = [0u8; 64];
    let step = d.decode_raw(b"\x0E\x00\x00\x45\x41", &mut out, true);
    assert_eq!(step.read, 3);
    assert_eq!(
        step.status,
        RawStatus::Malformed {
            len: 2,
            consumed_after: 0,
            kind: ErrorKind::Invalid
        }
    );
}

/// What `decode_raw` reports one call at a time from the start of `src`: the bad sequences
/// before anything else, as (bytes, count).
fn invalid_one_by_one(d: &mut EbcdicDbcsDecoder, src: &[u8]) -> (usize, usize) {
    let mut out = [0u8; 64];
    let (mut read, mut count) = (0, 0);
    loop {
        let step = d.decode_raw(&src[read..], &mut out[..MAX_CHAR_UTF8], false);
        match step.status {
            RawStatus::Malformed { len, .. }
                if step.written == 0 && step.read == usize::from(len) =>
            {
                read += step.read;
                count += 1;
            }
            _ => return (read, count),
        }
    }
}

#[test]
fn skipping_bad_runs_matches_reporting_them_one_by_one() {
    // Illegal single bytes (FE in IBM930), illegal pairs (neither 00 nor 01 leads one), a
    // shift and a lead cut by the end stop a run.
    let cases: [(&[u8], bool); 6] = [
        (b"\xFE\xFE\xFE\xC1", false),
        (b"\xFE\xFE\x0E\x45\x41", false),
        (b"\x00\x00\x01\xFF\x45\x41", true),
        (b"\x01\x01\x00\x0F\xC1", true),
        (b"\x01\x01\x00", true),
        (b"\x01\x0E\x0F", true),
    ];
    for (src, double) in cases {
        let mut swept = decoder();
        swept.double = double;
        let mut stepped = decoder();
        stepped.double = double;
        let expected = invalid_one_by_one(&mut stepped, src);
        assert!(expected.1 > 0, "{src:X?}");
        assert_eq!(swept.skip_invalid(src, usize::MAX), expected, "{src:X?}");
        assert_eq!(swept.double, double, "{src:X?}");
        assert_eq!(swept.skip_invalid(src, 1), (expected.0 / expected.1, 1));
    }
}
