use super::*;
use crate::charset::RawStatus;

fn new_decoder(name: &str) -> Option<Iso2022Decoder> {
    match crate::charset::kind_of(name)? {
        crate::tables::format::DecoderKind::Iso2022(variant) => Some(Iso2022Decoder::new(variant)),
        _ => None,
    }
}
use crate::error::ErrorKind;

fn decode(name: &str, src: &[u8]) -> (String, RawStatus) {
    let mut d = new_decoder(name).expect("an ISO-2022 charset");
    let mut out = [0u8; 64];
    let step = d.decode_raw(src, &mut out, true);
    (
        String::from_utf8(out[..step.written].to_vec()).unwrap(),
        step.status,
    )
}

#[test]
fn designations_switch_sets_and_unknown_escapes_are_text() {
    assert_eq!(
        decode("ISO-2022-JP", b"\x1b$B\x30\x21\x1b(Ba\x1b(J\x5c\x1b.A").0,
        "\u{4E9C}a\u{A5}\x1b.A"
    );
    assert_eq!(decode("ISO-2022-JP-2", b"\x1b.A\x1bN\x69").0, "\u{E9}");
}

#[test]
fn a_cut_escape_is_truncated_at_the_end() {
    let (_, status) = decode("ISO-2022-JP", b"a\x1b$");
    assert_eq!(
        status,
        RawStatus::Malformed {
            len: 2,
            consumed_after: 0,
            kind: ErrorKind::Truncated
        }
    );
}

/// Everything a decoder keeps between calls.
fn state(d: &Iso2022Decoder) -> (Set, G2, SoDesignation, u8, u8, u8) {
    (
        d.set,
        d.g2,
        d.so,
        d.ss3_plane,
        d.drop_next,
        d.carry.len() as u8,
    )
}

#[test]
fn skipping_bad_runs_matches_reporting_them_one_by_one() {
    // Every charset, in ASCII and after its designations and shifts (94×94 sets, G2 sets,
    // SS3 planes, JIS X 0201 kana), a run of high bytes ended by ASCII, a pair, an escape,
    // a shift, or the end.
    let prefixes: [(&str, &[u8]); 15] = [
        ("ISO-2022-JP", b""),
        ("ISO-2022-JP", b"\x1b$B"),
        ("ISO-2022-JP-2", b"\x1b$(C"),
        ("ISO-2022-JP-2", b"\x1b.A"),
        ("ISO-2022-JP-2", b"\x1b.F\x1b$(D"),
        ("ISO-2022-JP-3", b"\x1b$(Q"),
        ("ISO-2022-JP-3", b"\x1b(I"),
        ("ISO-2022-KR", b"\x1b$)C"),
        ("ISO-2022-KR", b"\x1b$)C\x0e"),
        ("ISO-2022-CN", b""),
        ("ISO-2022-CN", b"\x1b$)A\x0e"),
        ("ISO-2022-CN", b"\x1b$)G\x1b$*H\x0e"),
        ("ISO-2022-CN-EXT", b"\x1b$)G\x0e"),
        ("ISO-2022-CN-EXT", b"\x1b$)E\x0e"),
        ("ISO-2022-CN-EXT", b"\x1b$+I\x1b$)A"),
    ];
    let runs: [&[u8]; 5] = [
        b"\x80\xFE\xA4\xA2A",
        b"\xFF\xFF\x30\x21",
        b"\xA1\x1b(B",
        b"\xC8\xC8\x0f\x0e",
        b"\x90\x90\x90",
    ];
    for (name, prefix) in prefixes {
        for run in runs {
            let mut swept = new_decoder(name).unwrap();
            let mut reference = new_decoder(name).unwrap();
            let mut out = [0u8; 64];
            for d in [&mut swept, &mut reference] {
                assert_eq!(d.decode_raw(prefix, &mut out, false).read, prefix.len());
            }
            let before = state(&swept);
            // The sweep takes the high bytes and stops at anything else (an ESC the
            // shifted-out state rejects is left to `decode_raw`) ...
            let high = run.iter().take_while(|&&b| b >= 0x80).count();
            let at = format!("{name} {prefix:X?} {run:X?}");
            assert_eq!(swept.skip_invalid(run, usize::MAX), (high, high), "{at}");
            assert_eq!(swept.skip_invalid(run, 1), (1, 1), "{at}");
            assert_eq!(swept.skip_invalid(&run[high..], usize::MAX), (0, 0), "{at}");
            assert_eq!(state(&swept), before, "{at}");
            // ... which `decode_raw` reports one by one as one illegal byte each, writing
            // nothing, holding nothing and leaving the state as it was.
            for i in 0..high {
                let step = reference.decode_raw(&run[i..], &mut out, false);
                let one_illegal_byte = RawStatus::Malformed {
                    len: 1,
                    consumed_after: 0,
                    kind: ErrorKind::Invalid,
                };
                assert_eq!(
                    (step.read, step.written, step.status),
                    (1, 0, one_illegal_byte)
                );
                assert_eq!(state(&reference), before, "{at}: byte {i}");
            }
            // Both go on alike from there.
            let rest = &run[high..];
            let mut out_b = [0u8; 64];
            let (a, b) = (
                swept.decode_raw(rest, &mut out, true),
                reference.decode_raw(rest, &mut out_b, true),
            );
            assert_eq!(
                (a.read, a.written, a.status),
                (b.read, b.written, b.status),
                "{at}"
            );
        }
    }
    // Held state: bytes ISO-2022-CN-EXT drops as one unit whatever they are (after an SO
    // without designation, a bad `ESC N`), and a cut escape; neither is skipped.
    let mut d = new_decoder("ISO-2022-CN-EXT").unwrap();
    let mut out = [0u8; 64];
    d.drop_next = 2;
    assert_eq!(d.skip_invalid(b"\xFE\xFE", usize::MAX), (0, 0));
    let mut d = new_decoder("ISO-2022-JP").unwrap();
    assert_eq!(d.decode_raw(b"\x1b$", &mut out, false).read, 2);
    assert_eq!(d.skip_invalid(b"\xFE\xFE", usize::MAX), (0, 0));
    let mut d = new_decoder("ISO-2022-JP").unwrap();
    assert_eq!(d.skip_invalid(b"\xFE\xFE\xFE", 2), (2, 2));
}

#[test]
fn a_bad_pair_drops_one_byte_and_a_bad_single_shift_two() {
    let (_, status) = decode("ISO-2022-KR", b"\x0e\x30\x0a");
    assert!(matches!(status, RawStatus::Malformed { len: 1, .. }));
    let (_, status) = decode("ISO-2022-CN", b"\x1bN\x7e\x7e");
    assert!(matches!(status, RawStatus::Malformed { len: 2, .. }));
}

/// Decoding whole inputs through output buffers of every size.
mod run_tests {
    use super::*;

    /// Every ISO-2022 charset's name.
    fn variants() -> Vec<&'static str> {
        let names: Vec<&str> = crate::Charset::all()
            .filter(|charset| charset.family() == crate::Family::Iso2022)
            .map(crate::Charset::name)
            .collect();
        assert_eq!(names.len(), 6, "the ISO-2022 charsets");
        names
    }

    /// Decodes all of `src` with at most `room` bytes of output per call, going on after
    /// errors; returns the output and where each error ended, with its status.
    fn decode_with_room(name: &str, src: &[u8], room: usize) -> (Vec<u8>, Vec<(usize, RawStatus)>) {
        let mut d = new_decoder(name).expect("an ISO-2022 charset");
        let (mut out, mut errors, mut read) = (Vec::new(), Vec::new(), 0);
        let mut buf = vec![0u8; room];
        loop {
            let step = d.decode_raw(&src[read..], &mut buf, true);
            out.extend_from_slice(&buf[..step.written]);
            read += step.read;
            match step.status {
                RawStatus::InputEmpty => return (out, errors),
                RawStatus::OutputFull => {}
                status => errors.push((read, status)),
            }
        }
    }

    #[test]
    fn the_fast_path_stopping_early_resumes_at_its_input_position_and_state() {
        // Shifts every few bytes, then bad pairs and bytes late in the run, decoded with every
        // output size from one character up: the fast path stops at a full output or an error
        // anywhere in the run, and the general path must go on with the input and the state
        // there.
        let word_kr = b"\x0e\x30\x21\x30\x22\x0f a";
        let word_jp = b"\x1b$B\x30\x21\x30\x22\x1b(B a";
        let word_cn = b"\x1b$)A\x0e\x30\x21\x30\x22\x0f a";
        for (name, word, bad) in [
            (
                "ISO-2022-KR",
                &word_kr[..],
                &b"\x0e\x30\x21\x22\x7f\x0f\x80"[..],
            ),
            (
                "ISO-2022-JP",
                &word_jp[..],
                &b"\x1b$B\x30\x21\x29\x21\x1b(B\x80"[..],
            ),
            (
                "ISO-2022-JP-2",
                &word_jp[..],
                &b"\x1b$(D\x30\x21\x22\x21\x1b(B\x80"[..],
            ),
            (
                "ISO-2022-CN-EXT",
                &word_cn[..],
                &b"\x0e\x30\x21\x7f\x7f\x0f\x7f"[..],
            ),
        ] {
            // Under Miri, which checks the fast path's unchecked stores, a shorter text and a
            // few output sizes.
            let repeats = if cfg!(miri) { 6 } else { 40 };
            let mut src = word.repeat(repeats);
            src.extend_from_slice(bad);
            src.extend_from_slice(&word.repeat(repeats));
            let whole = decode_with_room(name, &src, 4096);
            assert!(!whole.1.is_empty(), "{name}: the bad bytes are errors");
            let rooms: Vec<usize> = if cfg!(miri) {
                vec![MAX_CHAR_UTF8, 33, 47]
            } else {
                (MAX_CHAR_UTF8..64).collect()
            };
            for room in rooms {
                assert_eq!(
                    decode_with_room(name, &src, room),
                    whole,
                    "{name}, room {room}"
                );
            }
        }
    }

    /// A decoding's output and its errors by where each bad sequence starts: fed a byte at a
    /// time, a decoder reports a sequence after the bytes it held past it.
    type ByStart = (Vec<u8>, Vec<(usize, ErrorKind)>);

    fn by_start((out, errors): (Vec<u8>, Vec<(usize, RawStatus)>)) -> ByStart {
        let starts = errors
            .into_iter()
            .map(|(end, status)| match status {
                RawStatus::Malformed {
                    len,
                    consumed_after,
                    kind,
                } => (end - usize::from(len) - usize::from(consumed_after), kind),
                other => panic!("not an error: {other:?}"),
            })
            .collect();
        (out, starts)
    }

    /// The general path's decoding of `src`: fed a byte at a time, which the fast path (set up
    /// only for more than a byte) never takes.
    fn decode_general(name: &str, src: &[u8]) -> ByStart {
        let mut d = new_decoder(name).expect("an ISO-2022 charset");
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        let mut buf = [0u8; 64];
        for at in 0..src.len() {
            let last = at + 1 == src.len();
            let mut fed = 0;
            loop {
                let step = d.decode_raw(&src[at + fed..at + 1], &mut buf, last);
                out.extend_from_slice(&buf[..step.written]);
                fed += step.read;
                match step.status {
                    RawStatus::InputEmpty => break,
                    RawStatus::OutputFull => panic!("{name}: one byte's output fills 64 bytes"),
                    status => errors.push((at + fed, status)),
                }
            }
        }
        by_start((out, errors))
    }

    #[test]
    #[cfg_attr(miri, ignore = "every pair of five sets: too slow under Miri")]
    fn every_pair_the_fast_path_maps_is_what_the_general_path_decodes() {
        for (name, designation) in [
            ("ISO-2022-JP", &b"\x1b$B"[..]),
            ("ISO-2022-JP-3", b"\x1b$(Q"),
            ("ISO-2022-KR", b"\x0e"),
            ("ISO-2022-CN", b"\x1b$)A\x0e"),
            ("ISO-2022-CN", b"\x1b$)G\x0e"),
        ] {
            let mut d = new_decoder(name).unwrap();
            let mut out = [0u8; 64];
            d.decode_raw(designation, &mut out, false);
            let set = d.set;
            let mut mapped = 0;
            for lead in 0x21..=0x7E {
                for trail in 0x21..=0x7E {
                    let fast = d
                        .pair_twin(set)
                        .unwrap()
                        .mapped_utf8(lead | 0x80, trail | 0x80);
                    let Some((utf8, len)) = fast else { continue };
                    mapped += 1;
                    let mut general = [0u8; MAX_CHAR_UTF8];
                    let unit = d.double(set, &[lead, trail], &mut general);
                    assert!(
                        matches!(unit, Unit::Decoded { len: 2, written } if written == len),
                        "{name} {lead:02X}{trail:02X}"
                    );
                    assert_eq!(utf8[..len], general[..len], "{name} {lead:02X}{trail:02X}");
                }
            }
            assert!(
                mapped > 5000,
                "{name}: {mapped} pairs through the fast path"
            );
        }
    }

    /// A pseudo-random text of ASCII, pairs, shifts, escapes and stray bytes, as
    /// `(variant name, bytes)`: segments of every length, shifts at every position.
    fn mixed_text(name: &str, seed: u64, pieces: usize) -> Vec<u8> {
        let mut state = seed;
        let mut next = move |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        let (designations, out_of_pairs): (&[&[u8]], &[u8]) = match name {
            "ISO-2022-KR" => (&[b"\x0e"], b"\x0f"),
            "ISO-2022-CN" | "ISO-2022-CN-EXT" => (&[b"\x1b$)A\x0e", b"\x1b$)G\x0e"], b"\x0f"),
            "ISO-2022-JP-2" => (&[b"\x1b$B", b"\x1b$(C", b"\x1b$A", b"\x1b$@"], b"\x1b(B"),
            _ => (&[b"\x1b$B", b"\x1b$@"], b"\x1b(B"),
        };
        let mut text = Vec::new();
        if name == "ISO-2022-KR" {
            text.extend_from_slice(b"\x1b$)C");
        }
        for _ in 0..pieces {
            match next(16) {
                0..=4 => {
                    // Pairs, most of them common characters (rows 30..=47), some from any row
                    // (unassigned cells among them).
                    let designation = designations[next(designations.len() as u64) as usize];
                    text.extend_from_slice(designation);
                    for _ in 0..next(24) {
                        let lead = match next(12) {
                            0 => 0x21 + next(0x5E),
                            _ => 0x30 + next(0x18),
                        };
                        text.extend_from_slice(&[lead as u8, 0x21 + next(0x5E) as u8]);
                    }
                    text.extend_from_slice(out_of_pairs);
                }
                5..=8 => text.extend((0..next(40)).map(|_| b' ' + next(0x5F) as u8)),
                9 => text.extend_from_slice(b"\n\t"),
                10 => text.push(*b"\x0e\x0f\x1b".get(next(3) as usize).unwrap()),
                11 => text.extend_from_slice(&[0x21 + next(0x5E) as u8, 0x21 + next(0x5E) as u8]),
                12 => text.push(0x80 + next(0x80) as u8),
                13 => text.push(next(0x80) as u8),
                14 => text.extend_from_slice(if next(2) == 0 {
                    designations[0]
                } else {
                    out_of_pairs
                }),
                _ => text.extend_from_slice(b"\x1b$A\x1b(J\\\x1b(I1\x1b$(D\x30\x21"),
            }
        }
        text
    }

    #[test]
    fn the_fast_path_decodes_like_the_general_path() {
        // Under Miri, which checks the fast path's unchecked stores, the three shapes of the
        // fast path (JP's designations, KR's shifts, CN's with DEL illegal), one text each and a
        // few output sizes.
        let variants = if cfg!(miri) {
            vec!["ISO-2022-JP", "ISO-2022-KR", "ISO-2022-CN"]
        } else {
            variants()
        };
        for name in variants {
            for seed in 0..if cfg!(miri) { 1 } else { 40 } {
                let text = mixed_text(name, seed, 24);
                let general = decode_general(name, &text);
                // Whole, and with output sizes that end blocks at every position.
                let rooms: &[usize] = if cfg!(miri) {
                    &[4096, 33, 40]
                } else {
                    &[4096, 32, 33, 34, 35, 36, 37, 40, 47, 48, 63, 64, 80]
                };
                for &room in rooms {
                    assert_eq!(
                        by_start(decode_with_room(name, &text, room)),
                        general,
                        "{name}, seed {seed}, room {room}"
                    );
                }
            }
        }
    }

    /// The general path's call over `src` into `room` bytes from the state of `d`, as bytes read
    /// and written: `src` fed a byte at a time, which the fast path (set up only for more than
    /// a byte) never takes. The bytes it ends up holding (the start of the next unit) do not
    /// count as read.
    fn general_call(d: &Iso2022Decoder, src: &[u8], room: usize) -> (usize, Vec<u8>) {
        let mut d = d.clone();
        let mut out = vec![0u8; room];
        let (mut read, mut written) = (0, 0);
        while read < src.len() {
            let step = d.decode_raw(&src[read..read + 1], &mut out[written..], false);
            read += step.read;
            written += step.written;
            if step.status != RawStatus::InputEmpty {
                break;
            }
        }
        out.truncate(written);
        (read - d.carry.len(), out)
    }

    #[test]
    fn a_full_output_stops_right_after_the_last_character_where_the_general_path_does() {
        // Where a call stops for a full output is part of what an iconv(3) caller sees: the
        // fast path, in blocks and then a character at a time in a small room, must stop at
        // the character the general path stops at, and both right after it (the iconv(3)
        // library leaves its caller's input there, as glibc does, without going back).
        // Under Miri, which checks the small-room loop's unchecked stores, two variants (a
        // designating one and a shifting one), one text and two output sizes.
        let variants = if cfg!(miri) {
            vec!["ISO-2022-JP", "ISO-2022-KR"]
        } else {
            variants()
        };
        for name in variants {
            for seed in 0..if cfg!(miri) { 1 } else { 8 } {
                let text = mixed_text(name, seed, 24);
                let rooms: Vec<usize> = if cfg!(miri) {
                    vec![MAX_CHAR_UTF8, 20]
                } else {
                    (MAX_CHAR_UTF8..=70).collect()
                };
                for room in rooms {
                    let mut d = new_decoder(name).unwrap();
                    let mut out = vec![0u8; room];
                    let mut read = 0;
                    while read < text.len() {
                        let expected = general_call(&d, &text[read..], room);
                        let before = d.clone();
                        let step = d.decode_raw(&text[read..], &mut out, false);
                        if step.status == RawStatus::OutputFull {
                            assert_eq!(
                                (step.read, &out[..step.written]),
                                (expected.0, &expected.1[..]),
                                "{name}, seed {seed}, room {room}, at {read}"
                            );
                            // The last byte read ended a character: a shift or designation
                            // after the last character written is left unread.
                            if step.read > 0 {
                                let mut shorter = before.clone();
                                let mut big = [0u8; 512];
                                let less = &text[read..read + step.read - 1];
                                let fewer = shorter.decode_raw(less, &mut big, false);
                                assert!(
                                    fewer.written < step.written,
                                    "{name}, seed {seed}, room {room}, at {read}: read on past \
                                     the last character"
                                );
                            }
                        }
                        if step.read == 0 && step.status == RawStatus::InputEmpty {
                            break;
                        }
                        read += step.read;
                    }
                }
            }
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "twelve thousand texts: too slow under Miri")]
    fn segments_of_every_length_around_the_window_and_a_shift_at_every_position() {
        let pair = b"\x30\x21";
        for (name, into_pairs, out_of_pairs) in [
            ("ISO-2022-JP", &b"\x1b$B"[..], &b"\x1b(B"[..]),
            ("ISO-2022-KR", b"\x0e", b"\x0f"),
            ("ISO-2022-CN", b"\x1b$)A\x0e", b"\x0f"),
        ] {
            for ascii in 0..40 {
                for pairs in 0..20 {
                    for end in [&b""[..], b"\x30", b"\x80", b"\x0f", b"\x0e"] {
                        let mut text = b"x".repeat(ascii);
                        text.extend_from_slice(into_pairs);
                        text.extend_from_slice(&pair.repeat(pairs));
                        text.extend_from_slice(end);
                        text.extend_from_slice(out_of_pairs);
                        text.extend_from_slice(&b"y".repeat(pairs));
                        let general = decode_general(name, &text);
                        let fast = by_start(decode_with_room(name, &text, 4096));
                        assert_eq!(fast, general, "{name}: {ascii} + {pairs} pairs + {end:?}");
                    }
                }
            }
        }
    }
}
