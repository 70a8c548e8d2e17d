//! Probing one multi-byte charset into a tree of byte sequences.
//!
//! The tree mirrors how glibc reads the charset: the root says what each first byte does alone
//! (a character, an illegal byte, or the start of a longer sequence); each inner node says, for
//! every next byte, whether the sequence so far plus that byte is a character, illegal, or still
//! incomplete. For every illegal sequence we also learn which lengths glibc's `-c` could have
//! dropped (`units`), by comparing what `//IGNORE` produces when the sequence is followed by
//! sentinel text with what it produces from each of the sequence's suffixes followed by the same.
//! Nothing about a charset's structure is assumed here, except the two sequence forms too big to
//! probe byte by byte: GB18030's four-byte codes and EUC-TW's four-byte plane codes (see
//! [`Special`]).

use iconv_oracle::{Iconv, Outcome};

/// What one sequence (prefix + next byte) does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Decodes to these code points (one, or two for JIS X 0213 / HKSCS combining codes).
    Chars(Vec<u32>),
    /// Illegal; bit `k` of the mask is set if dropping `k` bytes is consistent with glibc's `-c`.
    Invalid(u8),
    /// A longer sequence continues here.
    Node(Box<Node>),
    /// GB18030's four-byte form starts here (decoded through [`crate::multibyte::gb18030`]).
    FourByte,
}

/// The sequences sharing one prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// How many bytes (from the start of the sequence) glibc wants before it judges the next byte:
    /// normally the prefix length + 1, more where glibc checks the length first.
    pub need: usize,
    pub entries: Vec<Entry>,
}

impl Node {
    fn all_invalid(&self) -> bool {
        self.entries.iter().all(|e| matches!(e, Entry::Invalid(_)))
    }
}

/// The sequence forms probed by a rule instead of byte by byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    None,
    /// Two-byte prefixes whose second byte is 0x30..=0x39 start four-byte codes.
    Gb18030,
    /// `8E` + plane byte + two bytes; only planes `A1..=B0` are probed cell by cell.
    EucTw,
}

pub struct Prober {
    strict: Iconv,
    ignore: Iconv,
    sentinels: Vec<Vec<u8>>,
    /// Per byte that starts a longer sequence: a next byte that makes the two a character.
    completing: Vec<Option<u8>>,
    special: Special,
    name: String,
    /// Illegal sequences for which glibc's `-c` writes U+FFFD instead of dropping them.
    pub replaced_under_ignore: usize,
    /// Codes glibc mishandles (see [`Prober::entry`]); rejected here and listed in the docs.
    pub defects: Vec<Vec<u8>>,
}

fn code_points(utf8: &[u8]) -> Vec<u32> {
    std::str::from_utf8(utf8)
        .expect("iconv wrote invalid UTF-8")
        .chars()
        .map(u32::from)
        .collect()
}

impl Prober {
    pub fn new(name: &str, special: Special) -> Prober {
        let strict = Iconv::open(name).unwrap_or_else(|| panic!("iconv cannot open {name}"));
        let ignore = Iconv::open_to(name, "UTF-8//IGNORE")
            .unwrap_or_else(|| panic!("iconv cannot open {name}//IGNORE"));
        let mut prober = Prober {
            strict,
            ignore,
            sentinels: vec![b"A".to_vec(), b"0".to_vec()],
            completing: Vec::new(),
            special,
            name: name.to_string(),
            replaced_under_ignore: 0,
            defects: Vec::new(),
        };
        prober.completing = (0..=255u8)
            .map(|lead| {
                if prober.strict(&[lead]).1 != Outcome::Incomplete(0) {
                    return None;
                }
                (0..=255u8).find(|&next| {
                    let (out, outcome) = prober.strict(&[lead, next]);
                    outcome == Outcome::Complete && !out.is_empty()
                })
            })
            .collect();
        prober
    }

    pub fn strict(&mut self, bytes: &[u8]) -> (Vec<u8>, Outcome) {
        let c = self.strict.convert(bytes);
        (c.output, c.outcome)
    }

    fn ignored(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.ignore.convert(bytes).output
    }

    /// Adds a valid multi-byte character as a further sentinel: it tells apart drops that plain
    /// ASCII cannot (a dropped lead byte followed by one that swallows the ASCII).
    pub fn add_sentinel(&mut self, bytes: Vec<u8>) {
        if !self.sentinels.contains(&bytes) {
            self.sentinels.push(bytes);
        }
    }

    /// Which drop lengths are consistent with `-c` for the illegal sequence `seq`.
    ///
    /// Drop lengths are told apart only by a sentinel after which they give different output.
    /// Besides the fixed sentinels, each byte of `seq` that a shorter drop would leave as the
    /// start of a sequence gets one of its own: a next byte that makes it a character. Fixed
    /// text cannot always do that: after JOHAB's illegal `84 84`, dropping one byte leaves `84`,
    /// which only a JOHAB trail byte (such as `K`) completes; after UHC's `A7 F7`, only a
    /// high-lead character after `F7`.
    pub fn units(&mut self, seq: &[u8]) -> u8 {
        let mut mask: u8 = 0;
        for k in 1..=seq.len() {
            mask |= 1 << k;
        }
        let targeted = seq[1..]
            .iter()
            .filter_map(|&b| self.completing[usize::from(b)])
            .map(|next| vec![next]);
        // The first fixed sentinel comes first: it alone is trusted when nothing explains it.
        let sentinels: Vec<Vec<u8>> = self.sentinels[..1]
            .iter()
            .cloned()
            .chain(targeted)
            .chain(self.sentinels[1..].iter().cloned())
            .collect();
        for (s, sentinel) in sentinels.iter().enumerate() {
            let mut whole = self.ignored(&[seq, sentinel].concat());
            // EUC-JP-MS writes U+FFFD for some illegal sequences under `-c` instead of dropping
            // them; the drop length is what follows it.
            if let Some(rest) = whole.strip_prefix("\u{FFFD}".as_bytes()) {
                whole = rest.to_vec();
                self.replaced_under_ignore += 1;
            }
            let mut narrowed = mask;
            for k in 1..=seq.len() {
                if narrowed & (1 << k) != 0
                    && self.ignored(&[&seq[k..], &sentinel[..]].concat()) != whole
                {
                    narrowed &= !(1 << k);
                }
            }
            // A later sentinel that no drop length explains is caught in a quirk of its own
            // (EUC-JP-MS's U+FFFD for `8E FE A1`) and says nothing about `seq`: skip it.
            if narrowed != 0 || s == 0 {
                mask = narrowed;
            }
            if mask.count_ones() <= 1 {
                break;
            }
        }
        if mask == 0 {
            let report: Vec<String> = sentinels
                .iter()
                .flat_map(|sentinel| {
                    (0..=seq.len())
                        .map(|k| {
                            let input = [&seq[k..], &sentinel[..]].concat();
                            format!("{input:02X?} -> {:02X?}", self.ignored(&input))
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            panic!("no drop length explains -c on {seq:02X?}: {report:#?}");
        }
        mask
    }

    /// The root: what each byte does on its own.
    pub fn root(&mut self) -> Vec<Entry> {
        (0..=255u8).map(|b| self.entry(&[b])).collect()
    }

    fn entry(&mut self, seq: &[u8]) -> Entry {
        if self.special == Special::Gb18030 && seq.len() == 2 && (0x30..=0x39).contains(&seq[1]) {
            return Entry::FourByte;
        }
        if self.special == Special::EucTw
            && seq.len() == 2
            && seq[0] == 0x8E
            && seq[1] >= 0xA1
            && let Some(node) = self.euc_tw_plane(seq)
        {
            return Entry::Node(Box::new(node));
        }
        match self.strict(seq) {
            (out, Outcome::Complete) => {
                assert!(!out.is_empty(), "{seq:02X?} decodes to nothing");
                Entry::Chars(code_points(&out))
            }
            (_, Outcome::Invalid(0)) => Entry::Invalid(self.units(seq)),
            (_, Outcome::Invalid(at)) if at == seq.len() && seq.len() > 1 => {
                // A glibc defect (UHC `A2 E8`): the code is consumed, nothing valid is written
                // (garbage NULs under `-c`), and the error is placed after it. We reject the
                // whole code instead, as the charset's other unmapped codes are.
                self.defects.push(seq.to_vec());
                Entry::Invalid(1 << seq.len())
            }
            (_, Outcome::Incomplete(0)) => {
                assert!(seq.len() < 3, "sequences longer than 3 bytes in {seq:02X?}");
                Entry::Node(Box::new(self.node(seq)))
            }
            other => panic!("{}: unexpected outcome {other:?} for {seq:02X?}", self.name),
        }
    }

    /// The node for an incomplete prefix: one entry per next byte. Children that are illegal
    /// whatever follows are folded into this node when glibc waits for them uniformly.
    fn node(&mut self, prefix: &[u8]) -> Node {
        let mut entries = Vec::with_capacity(256);
        for x in 0..=255u8 {
            let seq = [prefix, &[x]].concat();
            entries.push(self.entry(&seq));
        }
        fold_waiting(prefix.len(), entries)
    }

    /// EUC-TW's `8E` + plane byte: glibc waits for all four bytes, then decodes planes 1..=16
    /// (`A1..=B0`) through CNS 11643; anything else is illegal. Cells of a plane are probed one by
    /// one; rows outside `A1..=FE` and plane bytes above `B0` are probed on one sample cell each
    /// (glibc rejects them before it looks at the last byte).
    fn euc_tw_plane(&mut self, prefix: &[u8]) -> Option<Node> {
        let plane_probed = prefix[1] <= 0xB0;
        let mut rows = Vec::with_capacity(256);
        for y in 0..=255u8 {
            let seq3 = [prefix, &[y]].concat();
            if self.strict(&seq3).1 != Outcome::Incomplete(0) {
                return None;
            }
            let row_probed = plane_probed && (0xA1..=0xFE).contains(&y);
            if !row_probed {
                let sample = [&seq3[..], &[0xA1]].concat();
                let (_, o) = self.strict(&sample);
                assert_eq!(o, Outcome::Invalid(0), "{sample:02X?}");
                rows.push(Entry::Invalid(self.units(&sample)));
                continue;
            }
            let mut cells = Vec::with_capacity(256);
            for z in 0..=255u8 {
                let seq4 = [&seq3[..], &[z]].concat();
                cells.push(match self.strict(&seq4) {
                    (out, Outcome::Complete) => Entry::Chars(code_points(&out)),
                    (_, Outcome::Invalid(0)) => Entry::Invalid(self.units(&seq4)),
                    other => panic!("unexpected outcome {other:?} for {seq4:02X?}"),
                });
            }
            let cells = Node {
                need: 4,
                entries: cells,
            };
            rows.push(if cells.all_invalid() {
                Entry::Invalid(common_units(&cells.entries))
            } else {
                Entry::Node(Box::new(cells))
            });
        }
        Some(Node {
            need: 4,
            entries: rows,
        })
    }
}

fn common_units(entries: &[Entry]) -> u8 {
    entries.iter().fold(0xFF, |acc, e| match e {
        Entry::Invalid(m) => acc & m,
        _ => acc,
    })
}

/// A child node whose every entry is illegal means glibc only waited for more bytes: if every
/// incomplete child of this node waits for the same length and no next byte is judged illegal
/// at once, the waiting is this node's `need` and the children become plain illegal entries.
fn fold_waiting(prefix_len: usize, entries: Vec<Entry>) -> Node {
    let mut waits = entries.iter().filter_map(|e| match e {
        Entry::Node(n) if n.all_invalid() => Some(n.need),
        _ => None,
    });
    let first_wait = waits.next();
    let uniform = first_wait.is_some_and(|w| waits.all(|x| x == w));
    let immediate = entries.iter().any(|e| matches!(e, Entry::Invalid(_)));
    match first_wait {
        Some(need) if uniform && !immediate => Node {
            need,
            entries: entries
                .into_iter()
                .map(|e| match e {
                    Entry::Node(n) if n.all_invalid() => Entry::Invalid(common_units(&n.entries)),
                    other => other,
                })
                .collect(),
        },
        _ => Node {
            need: prefix_len + 1,
            entries,
        },
    }
}
