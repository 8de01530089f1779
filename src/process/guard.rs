//! Checks on a dump before rust-minidump reads it, for streams whose
//! headers make it reserve memory it never fills.
//!
//! A handle data stream states its descriptor count and size; rust-minidump
//! checks that count times size fits the stream, so a descriptor size of
//! zero passes any count, and it then reserves room for every descriptor
//! (found by the `process` fuzz target: ~900 million of them, 230 GB). The
//! worker's memory limit contains that, but the crash would come out
//! unprocessed. Such a stream is blanked here instead (its directory entry
//! made an unused stream), and the rest of the dump is processed, with a
//! note saying what was skipped.

use std::borrow::Cow;

/// `MINIDUMP_STREAM_TYPE::HandleDataStream`.
const HANDLE_DATA_STREAM: u32 = 12;
/// `MINIDUMP_STREAM_TYPE::UnusedStream`.
const UNUSED_STREAM: u32 = 0;
/// A `MINIDUMP_HANDLE_DESCRIPTOR` (the smaller of the two kinds).
const MIN_HANDLE_DESCRIPTOR: u32 = 32;
const SIGNATURE: u32 = 0x504d_444d; // "MDMP", little-endian

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The dump with any impossible stream blanked, and a note for each.
pub fn check(dump: &[u8]) -> (Cow<'_, [u8]>, Vec<String>) {
    let mut notes = Vec::new();
    let mut blank = Vec::new();
    // A big-endian or unreadable header is left to rust-minidump.
    if u32_at(dump, 0) == Some(SIGNATURE) {
        let streams = u32_at(dump, 8).unwrap_or(0) as usize;
        let directory = u32_at(dump, 12).unwrap_or(0) as usize;
        for i in 0..streams {
            let Some(entry) = i.checked_mul(12).and_then(|o| o.checked_add(directory)) else {
                break;
            };
            let (Some(kind), Some(rva)) = (u32_at(dump, entry), u32_at(dump, entry + 8)) else {
                break;
            };
            if kind != HANDLE_DATA_STREAM {
                continue;
            }
            let rva = rva as usize;
            let (size, count) = (u32_at(dump, rva + 4), u32_at(dump, rva + 8));
            if let (Some(size), Some(count)) = (size, count) {
                if count > 0 && size < MIN_HANDLE_DESCRIPTOR {
                    notes.push(format!(
                        "the handle data stream claims {count} descriptors of {size} bytes; skipped"
                    ));
                    blank.push(entry);
                }
            }
        }
    }
    if blank.is_empty() {
        return (Cow::Borrowed(dump), notes);
    }
    let mut fixed = dump.to_vec();
    for entry in blank {
        fixed[entry..entry + 4].copy_from_slice(&UNUSED_STREAM.to_le_bytes());
    }
    (Cow::Owned(fixed), notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dump header, one directory entry, and a handle stream header.
    fn dump(descriptor_size: u32, count: u32) -> Vec<u8> {
        let mut d = Vec::new();
        for v in [SIGNATURE, 0xa793, 1, 32, 0, 0, 0, 0] {
            d.extend_from_slice(&v.to_le_bytes());
        }
        for v in [HANDLE_DATA_STREAM, 16, 44] {
            d.extend_from_slice(&v.to_le_bytes());
        }
        for v in [16, descriptor_size, count, 0] {
            d.extend_from_slice(&v.to_le_bytes());
        }
        d
    }

    #[test]
    fn a_handle_stream_of_empty_descriptors_is_blanked() {
        let bad = dump(0, 900_000_000);
        let (fixed, notes) = check(&bad);
        assert_eq!(u32_at(&fixed, 32), Some(UNUSED_STREAM));
        assert_eq!(fixed.len(), bad.len());
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("900000000 descriptors of 0 bytes"));
    }

    #[test]
    fn sound_and_truncated_dumps_are_left_alone() {
        for d in [dump(32, 3), dump(40, 0), dump(0, 0)] {
            let (same, notes) = check(&d);
            assert!(matches!(same, Cow::Borrowed(_)) && notes.is_empty());
        }
        for len in 0..dump(0, 5).len() {
            let cut = &dump(0, 5)[..len];
            let _ = check(cut);
        }
    }
}
