//! The CBOR stream codec of Jade's RPC: back-to-back CBOR items with no framing.
//!
//! Bytes are pushed in as they arrive ([`Decoder::push`]); [`Decoder::next_message`]
//! returns each complete top-level item once all of its bytes are in, and `None` while
//! the first item is still incomplete, so a reply split over many reads, or two replies
//! in one read, decode the same.
//!
//! Before ciborium decodes anything, [`scan`] walks the item's headers to find its exact
//! length without allocating: an incomplete item waits for more bytes, a declared length
//! above the limit is refused at once, and nesting deeper than [`MAX_DEPTH`] is garbage.
//!
//! Invariants:
//! - Messages are maps (Jade's requests, replies and logs all are). A byte that cannot
//!   start a map is skipped as garbage and counted (ESP32 boot text, line noise); a
//!   complete item that is not a map is skipped as a whole and counted too.
//! - An incomplete message never grows past the decoder's limit: at the limit, or when a
//!   header declares more, the decoder fails with [`CodecError::Oversized`] and drops what
//!   it held, so the buffer is bounded by the limit plus one pushed chunk.
//! - No input makes this module panic or allocate more than the limit.

use ciborium::Value;

/// The largest message accepted, in bytes, unless a decoder is made with another limit.
pub const MAX_MESSAGE: usize = 1 << 20;

/// The deepest nesting of arrays, maps and tags accepted in a message.
pub const MAX_DEPTH: usize = 16;

/// Why the byte stream cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// A message is, or claims to be, larger than the limit.
    #[error(
        "the device sent a message larger than {limit} bytes (or one that claims to be): \
         this is not a reply keyrite expects; unplug the device, plug it back in and retry"
    )]
    Oversized {
        /// The limit in bytes.
        limit: usize,
    },
}

/// One decoded top-level message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The decoded map.
    pub value: Value,
    /// The exact bytes it was decoded from (digested for the transcript).
    pub raw: Vec<u8>,
}

impl Message {
    /// The value under text key `key`, if this message is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        map_get(&self.value, key)
    }
}

/// The value under text key `key` of a CBOR map.
pub fn map_get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| matches!(k, Value::Text(t) if t == key))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// What [`scan`] found at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// A complete item of this many bytes.
    Complete(usize),
    /// The item is well-formed so far but needs more bytes.
    Incomplete,
    /// The bytes cannot be a well-formed item (reserved header, indefinite length,
    /// nesting too deep).
    Invalid,
    /// The item declares a length above the limit.
    TooLarge,
}

/// Reads a header's argument: (major type, argument, header length), or `None` if more
/// bytes are needed, or `Err` for a malformed header.
fn header(buf: &[u8]) -> Result<Option<(u8, u64, usize)>, ()> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let major = first >> 5;
    let info = first & 0x1f;
    let extra = match info {
        0..=23 => return Ok(Some((major, u64::from(info), 1))),
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        _ => return Err(()), // 28-30 reserved; 31 indefinite length or break: not used by Jade
    };
    let Some(bytes) = buf.get(1..1 + extra) else {
        return Ok(None);
    };
    let arg = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    Ok(Some((major, arg, 1 + extra)))
}

/// Finds the length of the first CBOR item in `buf` without decoding it.
pub fn scan(buf: &[u8], limit: usize) -> Scan {
    let limit64 = limit as u64;
    // Items still to read at each open nesting level.
    let mut pending: Vec<u64> = vec![1];
    let mut pos = 0usize;
    while let Some(top) = pending.last_mut() {
        if *top == 0 {
            pending.pop();
            continue;
        }
        *top -= 1;
        let (major, arg, len) = match header(&buf[pos.min(buf.len())..]) {
            Ok(Some(h)) => h,
            Ok(None) => return Scan::Incomplete,
            Err(()) => return Scan::Invalid,
        };
        pos += len;
        match major {
            0 | 1 | 7 => {}
            2 | 3 => {
                if arg > limit64 || pos as u64 + arg > limit64 {
                    return Scan::TooLarge;
                }
                pos += arg as usize;
            }
            4..=6 => {
                let count = match major {
                    4 => arg,
                    5 => arg.saturating_mul(2),
                    _ => 1,
                };
                // Every item takes at least one byte.
                if count > limit64 {
                    return Scan::TooLarge;
                }
                if pending.len() >= MAX_DEPTH {
                    return Scan::Invalid;
                }
                pending.push(count);
            }
            _ => return Scan::Invalid,
        }
        if pos > limit {
            return Scan::TooLarge;
        }
    }
    if pos <= buf.len() {
        Scan::Complete(pos)
    } else {
        Scan::Incomplete
    }
}

/// Accumulates bytes and yields complete messages.
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    limit: usize,
    skipped: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(MAX_MESSAGE)
    }
}

impl Decoder {
    /// A decoder accepting messages of up to `limit` bytes.
    pub fn new(limit: usize) -> Decoder {
        Decoder {
            buf: Vec::new(),
            limit,
            skipped: 0,
        }
    }

    /// Adds received bytes. Call [`Decoder::next_message`] until it returns `None`
    /// after each push: the buffer then holds at most one incomplete message.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes skipped as garbage so far (reset by [`Decoder::take_skipped`]).
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Returns and resets the count of skipped bytes.
    pub fn take_skipped(&mut self) -> usize {
        std::mem::take(&mut self.skipped)
    }

    /// Bytes held that do not yet form a message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Drops everything held (a new connection starts clean).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    fn skip_garbage(&mut self) {
        // A message is a map: major type 5 with a definite length.
        let start = self
            .buf
            .iter()
            .position(|b| (0xa0..=0xbb).contains(b))
            .unwrap_or(self.buf.len());
        if start > 0 {
            self.skipped += start;
            self.buf.drain(..start);
        }
    }

    /// The next complete message, `None` if more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<Message>, CodecError> {
        loop {
            self.skip_garbage();
            if self.buf.is_empty() {
                return Ok(None);
            }
            match scan(&self.buf, self.limit) {
                Scan::Incomplete if self.buf.len() < self.limit => return Ok(None),
                Scan::Incomplete | Scan::TooLarge => {
                    self.clear();
                    return Err(CodecError::Oversized { limit: self.limit });
                }
                Scan::Invalid => {
                    // Not a message after all: skip the byte that looked like a map.
                    self.skipped += 1;
                    self.buf.drain(..1);
                }
                Scan::Complete(len) => {
                    let raw: Vec<u8> = self.buf.drain(..len).collect();
                    match ciborium::from_reader::<Value, _>(raw.as_slice()) {
                        Ok(value @ Value::Map(_)) => return Ok(Some(Message { value, raw })),
                        Ok(_) | Err(_) => self.skipped += raw.len(),
                    }
                }
            }
        }
    }
}

/// Encodes a value as CBOR.
pub fn encode(value: &Value) -> Vec<u8> {
    // Pre-sized so that a request carrying a seed (a debug load: at most 64 bytes plus a
    // small map) is written without the buffer growing, which would leave a copy behind
    // in freed memory; the caller zeroizes the result.
    let mut out = Vec::with_capacity(512);
    // Writing into a Vec cannot fail, and every `Value` is encodable.
    if ciborium::into_writer(value, &mut out).is_err() {
        out.clear();
    }
    out
}

/// A CBOR map with text keys, in the given order.
pub fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::Text(k.to_string()), v))
            .collect(),
    )
}

/// A text value.
pub fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(id: &str, result: Value) -> Vec<u8> {
        encode(&map(vec![("id", text(id)), ("result", result)]))
    }

    fn id_of(m: &Message) -> &str {
        match m.get("id") {
            Some(Value::Text(t)) => t,
            _ => panic!("no id in {m:?}"),
        }
    }

    #[test]
    fn split_reads_decode_once_complete() {
        let bytes = reply("42", text("xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V"));
        for cut in 1..bytes.len() {
            let mut d = Decoder::default();
            d.push(&bytes[..cut]);
            assert_eq!(d.next_message().unwrap(), None, "cut at {cut}");
            d.push(&bytes[cut..]);
            let m = d.next_message().unwrap().expect("complete");
            assert_eq!(id_of(&m), "42");
            assert_eq!(m.raw, bytes);
            assert_eq!(d.skipped(), 0);
        }
        // One byte at a time.
        let mut d = Decoder::default();
        let mut got = None;
        for b in &bytes {
            d.push(&[*b]);
            if let Some(m) = d.next_message().unwrap() {
                got = Some(m);
            }
        }
        assert_eq!(id_of(&got.unwrap()), "42");
    }

    #[test]
    fn two_messages_in_one_chunk() {
        let mut chunk = reply("1", Value::Bool(true));
        chunk.extend(reply("2", Value::Integer(0.into())));
        let mut d = Decoder::default();
        d.push(&chunk);
        assert_eq!(id_of(&d.next_message().unwrap().unwrap()), "1");
        assert_eq!(id_of(&d.next_message().unwrap().unwrap()), "2");
        assert_eq!(d.next_message().unwrap(), None);
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn log_maps_are_messages_without_id() {
        let mut chunk = encode(&map(vec![(
            "log",
            Value::Bytes(b"I (1234) jade: hello\n".to_vec()),
        )]));
        chunk.extend(reply("7", Value::Bool(true)));
        let mut d = Decoder::default();
        d.push(&chunk);
        let log = d.next_message().unwrap().unwrap();
        assert!(log.get("id").is_none());
        assert!(matches!(log.get("log"), Some(Value::Bytes(_))));
        assert_eq!(id_of(&d.next_message().unwrap().unwrap()), "7");
    }

    #[test]
    fn error_reply_with_id_00() {
        let bytes = encode(&map(vec![
            ("id", text("00")),
            (
                "error",
                map(vec![
                    ("code", Value::Integer((-32600).into())),
                    ("message", text("Invalid RPC request message")),
                    ("data", Value::Null),
                ]),
            ),
        ]));
        let mut d = Decoder::default();
        d.push(&bytes);
        let m = d.next_message().unwrap().unwrap();
        assert_eq!(id_of(&m), "00");
        let err = m.get("error").unwrap();
        assert_eq!(map_get(err, "code"), Some(&Value::Integer((-32600).into())));
    }

    #[test]
    fn garbage_then_a_valid_message() {
        let mut chunk =
            b"ets Jun  8 2016 00:22:57\r\nrst:0x1 (POWERON_RESET)\r\n\xff\xfe\x1c".to_vec();
        let noise = chunk.len();
        chunk.extend(reply("9", Value::Bool(true)));
        let mut d = Decoder::default();
        d.push(&chunk);
        let m = d.next_message().unwrap().unwrap();
        assert_eq!(id_of(&m), "9");
        assert_eq!(d.take_skipped(), noise);
        // A map-looking byte with a reserved header after it is skipped too.
        let mut chunk = vec![0xa1, 0x1c];
        chunk.extend(reply("10", Value::Bool(true)));
        d.push(&chunk);
        assert_eq!(id_of(&d.next_message().unwrap().unwrap()), "10");
        assert_eq!(d.skipped(), 2);
        // A complete item that is not a map is skipped whole.
        let mut chunk = encode(&text("hello"));
        chunk.extend(reply("11", Value::Bool(true)));
        // Text headers are not map headers, so they are skipped byte by byte.
        d.push(&chunk);
        assert_eq!(id_of(&d.next_message().unwrap().unwrap()), "11");
    }

    #[test]
    fn oversized_input_is_refused() {
        // A header that claims 2^40 bytes is refused at once, without waiting.
        let mut d = Decoder::new(1024);
        d.push(&[0xa1, 0x62, b'i', b'd', 0x5b, 0, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(d.next_message(), Err(CodecError::Oversized { limit: 1024 }));
        assert_eq!(d.buffered(), 0);
        // An array claiming more items than the limit has bytes.
        let mut d = Decoder::new(1024);
        d.push(&[0xa1, 0x61, b'a', 0x9a, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(d.next_message(), Err(CodecError::Oversized { limit: 1024 }));
        // A message that grows past the limit without completing.
        let mut d = Decoder::new(1024);
        d.push(&[0xa1, 0x61, b'a', 0x9a, 0, 0, 0x03, 0xfc]); // an array of 1020 items
        assert_eq!(d.next_message().unwrap(), None);
        d.push(&[0x18, 0x20].repeat(500)); // 500 two-byte items: still incomplete
        assert_eq!(d.next_message().unwrap(), None);
        d.push(&[0x18, 0x20].repeat(100)); // now past the limit, still incomplete
        assert_eq!(d.next_message(), Err(CodecError::Oversized { limit: 1024 }));
        assert_eq!(d.buffered(), 0);
        // Afterwards the decoder works again.
        d.push(&reply("1", Value::Bool(true)));
        assert_eq!(id_of(&d.next_message().unwrap().unwrap()), "1");
    }

    #[test]
    fn deep_nesting_is_garbage_not_a_crash() {
        let mut bytes = vec![0xa1, 0x61, b'a'];
        bytes.extend(std::iter::repeat_n(0x81u8, 10_000));
        bytes.push(0x00);
        let mut d = Decoder::default();
        d.push(&bytes);
        assert_eq!(d.next_message().unwrap(), None);
        assert_eq!(d.skipped(), bytes.len());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap deterministic generator; tests/device_codec.rs has the proptest version.
        let mut x: u32 = 0x1234_5678;
        let mut d = Decoder::new(4096);
        for _ in 0..2000 {
            let mut chunk = [0u8; 37];
            for b in chunk.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = (x >> 24) as u8;
            }
            d.push(&chunk);
            while let Ok(Some(_)) = d.next_message() {}
        }
    }
}
