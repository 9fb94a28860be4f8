//! The on-disk index's segments as the file holds them (see the parent module's doc): each
//! a length and an xxh3 checksum, then its payload; read back only whole and checked.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};

use super::MAX_SEGMENT;

/// Bytes written as bytes (a length, then the bytes), not as a list of numbers one by one,
/// so that reading them back borrows them.
pub(crate) fn as_bytes<S: serde::Serializer>(
    bytes: &&[u8],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_bytes(bytes)
}

/// A length as postcard writes one before a list, a string or bytes: a varint, seven bits a
/// byte, low bits first. For a payload written field by field as it is made, each field's
/// length counted first.
pub(crate) fn write_len(out: &mut dyn Write, len: u64) -> std::io::Result<()> {
    let (mut len, mut bytes, mut used) = (len, [0u8; 10], 0);
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        bytes[used] = byte | if len == 0 { 0 } else { 0x80 };
        used += 1;
        if len == 0 {
            return out.write_all(&bytes[..used]);
        }
    }
}

/// `items` as fixed-width little-endian records, each as `bytes_of` writes it, end to end:
/// what the names section and the completion image store their lists as, read back in one
/// pass by [`unpack`] (serde's varint decode, field by field, was most of a restart's read).
#[cfg(test)]
pub(crate) fn pack<'a, T: Copy + 'a, const N: usize>(
    items: impl IntoIterator<Item = &'a T>,
    bytes_of: impl Fn(T) -> [u8; N],
) -> Vec<u8> {
    let mut bytes = Vec::new();
    for &item in items {
        bytes.extend_from_slice(&bytes_of(item));
    }
    bytes
}

/// The records [`pack`] (or a writer of the same layout) wrote, each read by `read`, into a
/// list sized first; `None` when `bytes` are not a whole number of records or `read` refuses
/// one.
pub(crate) fn unpack<T, const N: usize>(
    bytes: &[u8],
    read: impl Fn(&[u8; N]) -> Option<T>,
) -> Option<Vec<T>> {
    if bytes.len() % N != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / N);
    for record in bytes.chunks_exact(N) {
        out.push(read(record.try_into().expect("N bytes"))?);
    }
    Some(out)
}

/// The little-endian `u32` at `at` of a record.
pub(crate) fn word(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Write a segment at offset `at` (moved past it): its length, checksum and `bytes`. Returns
/// the (offset, length) of its payload, as the trailer lists it.
pub(super) fn write_segment(
    out: &mut impl Write,
    at: &mut u64,
    bytes: &[u8],
) -> std::io::Result<(u64, u64)> {
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(&xxhash_rust::xxh3::xxh3_64(bytes).to_le_bytes())?;
    out.write_all(bytes)?;
    let payload = (*at + 16, bytes.len() as u64);
    *at += 16 + bytes.len() as u64;
    Ok(payload)
}

/// A segment's payload that writes itself into the file ([`write_payload`]), made as it is
/// written where it can be: what it is made from is all it holds, not a serialised copy beside
/// it (a completion image of a dense 50k vault held both: 25 MB at once).
pub trait Payload: Send {
    fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()>;

    /// The payload in one buffer (what [`write_payload`] avoids; for tests and small ones).
    fn bytes(&self) -> std::io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.write_to(&mut bytes)?;
        Ok(bytes)
    }
}

impl Payload for Vec<u8> {
    fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(self)
    }
}

/// [`write_segment`] of a [`Payload`], made once as it is written: a head of zeros at `at`, the
/// payload through a count and a checksum, then the head written over with them. (Written
/// twice, once through the checksum alone, a payload made as it is written was made twice.)
pub(super) fn write_payload(
    out: &mut (impl Write + Seek),
    at: &mut u64,
    payload: &dyn Payload,
) -> std::io::Result<(u64, u64)> {
    out.write_all(&[0; 16])?;
    let mut written = Counted {
        out: &mut *out,
        len: 0,
        hash: xxhash_rust::xxh3::Xxh3::new(),
    };
    payload.write_to(&mut written)?;
    let (len, hash) = (written.len, written.hash.digest());
    let end = *at + 16 + len;
    out.seek(SeekFrom::Start(*at))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&hash.to_le_bytes())?;
    out.seek(SeekFrom::Start(end))?;
    let at_payload = (*at + 16, len);
    *at = end;
    Ok(at_payload)
}

/// A writer that counts and checksums what passes through it.
struct Counted<W> {
    out: W,
    len: u64,
    hash: xxhash_rust::xxh3::Xxh3,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.len += n as u64;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// `len` bytes at `at`, refusing ranges past the file's end before allocating for them.
pub(super) fn read_at(file: &File, at: u64, len: u64, file_len: u64) -> Result<Vec<u8>, String> {
    if at.checked_add(len).is_none_or(|end| end > file_len) || len > MAX_SEGMENT {
        return Err("truncated".into());
    }
    let mut buf = vec![0; len as usize];
    read_exact_at(file, &mut buf, at).map_err(|e| e.to_string())?;
    Ok(buf)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, at)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

/// A segment with its 16-byte head (length, checksum), both verified.
pub(super) fn read_segment(file: &File, at: u64, len: u64, limit: u64) -> Result<Vec<u8>, String> {
    let head = at.checked_sub(16).ok_or("segment out of bounds")?;
    // A forged length past `u64::MAX - 16` would wrap to a short read.
    let whole = len.checked_add(16).ok_or("segment out of bounds")?;
    let bytes = read_at(file, head, whole, limit)?;
    check_segment(&bytes[..16], &bytes[16..], len)?;
    Ok(bytes)
}

/// [`read_segment`]'s payload alone, read apart from its head: not moved down in its buffer
/// afterwards (8 MB for a completion image of 100,000 notes).
pub(super) fn read_segment_payload(
    file: &File,
    at: u64,
    len: u64,
    limit: u64,
) -> Result<Vec<u8>, String> {
    let head = read_at(
        file,
        at.checked_sub(16).ok_or("segment out of bounds")?,
        16,
        limit,
    )?;
    let payload = read_at(file, at, len, limit)?;
    check_segment(&head, &payload, len)?;
    Ok(payload)
}

/// Whether a segment's `head` (length and checksum) is that of `payload`, `len` bytes long.
fn check_segment(head: &[u8], payload: &[u8], len: u64) -> Result<(), String> {
    let stored_len = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
    let hash = u64::from_le_bytes(head[8..16].try_into().expect("8 bytes"));
    if stored_len != len || xxhash_rust::xxh3::xxh3_64(payload) != hash {
        return Err("segment checksum mismatch".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A payload written through `write_payload`, after what the file holds already, is the
    /// segment `write_segment` writes of its bytes: its head written over with its length and
    /// checksum, and the file left at its end.
    #[test]
    fn a_payload_written_as_it_is_made_is_the_segment_of_its_bytes() {
        let payload: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut streamed = std::io::Cursor::new(vec![9; 5]);
        streamed.set_position(5);
        let mut whole = vec![9; 5];
        let (mut at_streamed, mut at_whole) = (5, 5);
        let a = write_payload(&mut streamed, &mut at_streamed, &payload).unwrap();
        streamed.write_all(b"next").unwrap();
        let b = write_segment(&mut whole, &mut at_whole, &payload).unwrap();
        whole.extend_from_slice(b"next");
        assert_eq!((a, at_streamed), (b, at_whole));
        assert_eq!(a, (21, 100_000));
        assert_eq!(streamed.into_inner(), whole);
    }

    /// A length is written as postcard writes a list's: from one byte to ten.
    #[test]
    fn a_length_is_written_as_postcard_writes_the_length_of_bytes() {
        for len in [0usize, 1, 127, 128, 300, 16_383, 16_384, 1 << 21, 1 << 35] {
            let mut ours = Vec::new();
            write_len(&mut ours, len as u64).unwrap();
            let postcard = postcard::to_allocvec(&len).unwrap();
            assert_eq!(ours, postcard, "{len}");
        }
        let mut ours = Vec::new();
        write_len(&mut ours, u64::MAX).unwrap();
        assert_eq!(ours, postcard::to_allocvec(&u64::MAX).unwrap());
    }

    /// A trailer naming a segment so long that its head and payload pass `u64::MAX` is refused,
    /// not wrapped round to a short read.
    #[test]
    fn a_segment_whose_length_passes_the_largest_offset_is_refused() {
        let path = std::env::temp_dir().join(format!("notegraph-segment-{}", std::process::id()));
        std::fs::write(&path, [0u8; 64]).unwrap();
        let file = File::open(&path).unwrap();
        for len in [u64::MAX, u64::MAX - 15, u64::MAX - 16, 1 << 40] {
            assert!(read_segment(&file, 16, len, 64).is_err(), "{len}");
            assert!(read_segment_payload(&file, 16, len, 64).is_err(), "{len}");
        }
        let _ = std::fs::remove_file(&path);
    }
}
