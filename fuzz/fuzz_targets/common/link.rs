//! A `Link` that plays back fuzz bytes as what the device sends, a chunk per read, and
//! never waits: once the bytes are used up, every read is "nothing before the deadline".

use std::time::Instant;

use keyrite::device::transport::{Got, Link};
use keyrite::device::DeviceError;

/// Six bytes in the input that stand for the id of the request just sent (Jade ids are
/// six digits and change each session, so the fuzzer cannot know them).
pub const ID_PLACEHOLDER: &[u8; 6] = b"??????";

pub struct FuzzLink {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
    /// Requests written, in order.
    requests: Vec<Vec<u8>>,
}

impl FuzzLink {
    pub fn new(data: &[u8], chunk: usize) -> FuzzLink {
        FuzzLink {
            data: data.to_vec(),
            pos: 0,
            chunk: chunk.max(1),
            requests: Vec::new(),
        }
    }

    /// Replaces the placeholders not yet read with `id`, when it is six bytes long.
    pub fn set_id(&mut self, id: &[u8]) {
        if id.len() != ID_PLACEHOLDER.len() {
            return;
        }
        let mut i = self.pos;
        while i + id.len() <= self.data.len() {
            if &self.data[i..i + id.len()] == ID_PLACEHOLDER {
                self.data[i..i + id.len()].copy_from_slice(id);
                i += id.len();
            } else {
                i += 1;
            }
        }
    }
}

impl Link for FuzzLink {
    fn write_all(&mut self, bytes: &[u8], _deadline: Instant) -> Result<(), DeviceError> {
        self.requests.push(bytes.to_vec());
        // A Jade request is a CBOR map with a text `id`.
        if let Ok(request) = ciborium::from_reader::<ciborium::Value, _>(bytes) {
            if let Some(ciborium::Value::Text(id)) = keyrite::device::cbor::map_get(&request, "id")
            {
                let id = id.clone().into_bytes();
                self.set_id(&id);
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], _deadline: Instant) -> Result<Got, DeviceError> {
        let left = self.data.len() - self.pos;
        if left == 0 || buf.is_empty() {
            return Ok(Got::Nothing);
        }
        let n = left.min(self.chunk).min(buf.len());
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(Got::Data(n))
    }

    fn clear_input(&mut self) {}

    fn name(&self) -> &str {
        "fuzz"
    }
}
